"""The guard's rules data (rules.toml, profile rules) and the profile's guard settings."""
