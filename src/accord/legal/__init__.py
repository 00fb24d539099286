"""Mediation and legal track (调解 / 诉讼): legal matters per case with their steps, dates, amounts and
documents; a legal hold stops automatic contacts while a matter is open (policy per jurisdiction)."""
