"""The web console on the bot's own server: customers' chat at ``/``, the agents' desk at
``/desk`` and the editors' workbench at ``/editor`` (server-rendered, htmx, SSE)."""
