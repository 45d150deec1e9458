"""Root of the test suite. pytest puts this folder on sys.path (it is not a package), so every
test folder can import the helpers kept here, such as `live_server`."""
