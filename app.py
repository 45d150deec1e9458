"""HRL Finance service: `python app.py [--host H] [--port P] [--models-dir D] ...` serves the dashboard, the
API and Socket.IO (`hrl_api.factory.main`); the app itself is built by `hrl_api.factory.create_app`.

Nothing runs on import: spawned training children import this file as "__mp_main__" and must not pay for
Flask, Socket.IO or eventlet."""

if __name__ == "__main__":
    # First of all: monkey-patch the standard library when eventlet is the async mode.
    from hrl_api.core.async_mode import prepare_async_mode

    prepare_async_mode()

    from hrl_api.factory.main import main

    main()
