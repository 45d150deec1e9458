"""Web layer of hrl-finance: REST blueprints, Socket.IO events and the training-run supervisor.

Kept free of imports on purpose: spawned trainer children import `hrl_api.training.child`
and must not pay for (or be affected by) Flask, Socket.IO or eventlet.
"""
