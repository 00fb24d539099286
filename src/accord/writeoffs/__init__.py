"""Write-off (核销), recoveries after write-off, and the debt-sale flag with its evidence file."""
