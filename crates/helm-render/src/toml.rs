//! TOML for toToml/fromToml (being written).
