"""The evidence journal: append-only, hash-chained events written in the same transaction as the
change they record. Holds references and hashes of personal data, never the data itself."""
