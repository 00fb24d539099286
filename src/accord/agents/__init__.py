"""Agent work: agents, the day's call queue ordered by expected value, outcome logging, masked PII."""
