"""Channel adapters: one protocol (``send(message) -> Receipt``), many transports."""
