"""The web service's ground: settings, the async mode, logs, errors, access, the Socket.IO extension, serving
and the worker processes of simulations."""
