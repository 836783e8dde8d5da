"""The network: a Mission Locale's package for its regional association (`paquet`), and the consolidation of many
packages into the network's figures, report and extracts: `configuration` (config/reseau.yaml), `verification`
(one package read and checked whole), `consolidation` (the network's values, the outputs published together),
`inventaire` (what the packages folder holds, for the Dagster group `reseau`)."""
