//! go-yaml v2 identical YAML emitter for toYaml (being written).
