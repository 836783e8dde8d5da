"""The network: a Mission Locale's package for its regional association (`paquet`), and the consolidation of many
packages into the network's figures, report and extracts (`consolidation`, `verification`)."""
