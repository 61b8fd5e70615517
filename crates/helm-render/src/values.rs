//! Reading values.yaml as Helm does: YAML 1.1 through JSON (being written).
