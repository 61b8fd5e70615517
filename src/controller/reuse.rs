//! `resetValues`, as v1 passes it to Helm 3's upgrade (`ResetValues: !reuse`, no
//! `ReuseValues`): with `resetValues: false` and empty composed values, Helm's
//! `reuseValues` copies the current release's user-supplied config into the upgrade
//! (`len(newVals) == 0 && len(current.Config) > 0`); otherwise (`resetValues` true or
//! unset) the composed values are used as they are, on top of the chart's defaults.
//! Helm's "current" release is the newest `deployed` one, else the last failed or
//! superseded one.

use crate::storage::{Release, Status};

use super::values::{values_digest, ComposedValues};

/// The release Helm's upgrade treats as current.
pub fn current(history: &[Release]) -> Option<&Release> {
    history
        .iter()
        .filter(|r| r.status() == Status::Deployed)
        .max_by_key(|r| r.version)
        .or_else(|| {
            history
                .iter()
                .max_by_key(|r| r.version)
                .filter(|r| matches!(r.status(), Status::Failed | Status::Superseded))
        })
}

/// The values to release: `composed`, or the current release's config when `reuse` and
/// `composed` is empty.
pub fn desired_values(
    reuse: bool,
    composed: &ComposedValues,
    history: &[Release],
) -> ComposedValues {
    if !reuse || !composed.values.is_empty() {
        return composed.clone();
    }
    match current(history) {
        Some(r) if !r.config.is_empty() => ComposedValues {
            values: r.config.clone(),
            digest: values_digest(&r.config),
        },
        _ => composed.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Map, Value};

    fn rel(version: i64, status: Status, config: Value) -> Release {
        let config: Map<String, Value> = serde_json::from_value(config).unwrap();
        Release {
            name: "r".into(),
            version,
            config,
            info: Some(crate::storage::Info {
                status,
                ..Default::default()
            }),
            ..Release::default()
        }
    }

    fn composed(v: Value) -> ComposedValues {
        let values: Map<String, Value> = serde_json::from_value(v).unwrap();
        ComposedValues {
            digest: values_digest(&values),
            values,
        }
    }

    #[test]
    fn empty_values_reuse_the_current_config_only_when_asked() {
        let hist = vec![
            rel(1, Status::Superseded, json!({"a": 1})),
            rel(2, Status::Deployed, json!({"a": 2})),
            rel(3, Status::Failed, json!({"a": 3})),
        ];
        let empty = composed(json!({}));
        let got = desired_values(true, &empty, &hist);
        assert_eq!(got.values["a"], 2, "the deployed revision's config");
        assert_eq!(got.digest, values_digest(&got.values));
        // resetValues true (or unset): chart defaults only.
        assert!(desired_values(false, &empty, &hist).values.is_empty());
        // Values given: never reused.
        let given = composed(json!({"b": 1}));
        assert_eq!(desired_values(true, &given, &hist), given);
        // No deployed revision: the last failed one.
        let hist = vec![rel(1, Status::Failed, json!({"a": 9}))];
        assert_eq!(desired_values(true, &empty, &hist).values["a"], 9);
        assert!(desired_values(true, &empty, &[]).values.is_empty());
    }
}
