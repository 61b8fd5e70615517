//! Chart hooks as Helm runs them: for one event, hooks sorted by weight (then name), each
//! deleted first under `before-hook-creation` (the default policy), created, waited for
//! when it is a Job or Pod. As in Helm, `hook-succeeded` deletions happen once every hook
//! of the event succeeded (in reverse order); when one fails, it is deleted per
//! `hook-failed` and the ones before it per `hook-succeeded`. Execution times and phases
//! are recorded on the release's hook records.

use std::time::Duration;

use crate::storage::{GoTime, Hook, HookExecution};

use super::apply::{parse_manifest, Applier};
use super::wait::{hook_done, wait_all};

/// Converts the renderer's hooks to release hook records.
pub fn to_release_hooks(hooks: &[helm_render::manifest::Hook]) -> Vec<Hook> {
    hooks
        .iter()
        .map(|h| Hook {
            name: h.name.clone(),
            kind: h.kind.clone(),
            path: h.path.clone(),
            manifest: h.manifest.clone(),
            events: h.events.clone(),
            weight: h.weight,
            delete_policies: h.delete_policies.clone(),
            output_log_policies: h.output_log_policies.clone(),
            ..Hook::default()
        })
        .collect()
}

/// Whether a delete policy applies to a hook: Helm never deletes CustomResourceDefinition
/// hooks, and a hook without policies gets `before-hook-creation`.
fn has_policy(h: &Hook, p: &str) -> bool {
    if h.kind == "CustomResourceDefinition" {
        return false;
    }
    h.delete_policies.iter().any(|x| x == p)
        || (p == "before-hook-creation" && h.delete_policies.is_empty())
}

/// Runs the hooks of `event`, updating their `last_run`.
pub async fn run_hooks(
    applier: &Applier,
    hooks: &mut [Hook],
    event: &str,
    timeout: Duration,
) -> Result<(), String> {
    // (weight, name, index): Helm's order is by weight, then name.
    let mut order: Vec<(i64, String, usize)> = hooks
        .iter()
        .enumerate()
        .filter(|(_, h)| h.events.iter().any(|e| e == event))
        .map(|(i, h)| (h.weight, h.name.clone(), i))
        .collect();
    order.sort();
    let idx: Vec<usize> = order.into_iter().map(|(_, _, i)| i).collect();
    for (pos, &i) in idx.iter().enumerate() {
        let Some(h) = hooks.get_mut(i) else { continue };
        // Helm's `hookSetDeletePolicy`: the default is written into the hook record.
        if h.delete_policies.is_empty() {
            h.delete_policies = vec!["before-hook-creation".into()];
        }
        let objs = parse_manifest(&h.manifest)?;
        if has_policy(h, "before-hook-creation") {
            for o in &objs {
                applier.delete(o).await?;
                // Wait (bounded) for it to go so the create does not hit a terminating
                // object; if it lingers, the create reports what is wrong.
                if let Err(e) = applier.wait_gone(o).await {
                    tracing::debug!(hook = %h.name, error = %e, "hook object still present");
                }
            }
        }
        h.last_run = HookExecution {
            started_at: GoTime::now(),
            phase: "Running".into(),
            ..HookExecution::default()
        };
        let result = async {
            applier.apply_all(&objs).await?;
            wait_all(applier, &objs, timeout, hook_done).await
        }
        .await;
        h.last_run.completed_at = GoTime::now();
        match result {
            Ok(()) => h.last_run.phase = "Succeeded".into(),
            Err(e) => {
                h.last_run.phase = "Failed".into();
                let msg = format!("{event} hook {} failed: {e}", h.name);
                // As Helm: the failed hook goes by `hook-failed`, the hooks that ran
                // before it by `hook-succeeded`; deletion errors are only logged.
                if has_policy(h, "hook-failed") {
                    delete_hook(applier, h).await;
                }
                for &j in idx.get(..pos).unwrap_or_default() {
                    if let Some(prev) = hooks.get(j) {
                        if has_policy(prev, "hook-succeeded") {
                            delete_hook(applier, prev).await;
                        }
                    }
                }
                return Err(msg);
            }
        }
    }
    // All succeeded: `hook-succeeded` deletions after the last hook, in reverse order.
    for &i in idx.iter().rev() {
        if let Some(h) = hooks.get(i) {
            if has_policy(h, "hook-succeeded") {
                for o in &parse_manifest(&h.manifest)? {
                    applier.delete(o).await?;
                }
            }
        }
    }
    Ok(())
}

/// Deletes a hook's objects, logging failures (used on the failure path, whose own error
/// is the one reported).
async fn delete_hook(applier: &Applier, h: &Hook) {
    let Ok(objs) = parse_manifest(&h.manifest) else {
        return;
    };
    for o in &objs {
        if let Err(e) = applier.delete(o).await {
            tracing::warn!(hook = %h.name, error = %e, "deleting hook");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_policies() {
        let mut h = Hook {
            kind: "Job".into(),
            ..Hook::default()
        };
        assert!(has_policy(&h, "before-hook-creation"), "the default");
        assert!(!has_policy(&h, "hook-succeeded"));
        h.delete_policies = vec!["hook-succeeded".into()];
        assert!(!has_policy(&h, "before-hook-creation"));
        assert!(has_policy(&h, "hook-succeeded"));
        h.kind = "CustomResourceDefinition".into();
        assert!(
            !has_policy(&h, "hook-succeeded"),
            "CRD hooks are never deleted"
        );
        h.delete_policies.clear();
        assert!(!has_policy(&h, "before-hook-creation"));
    }
}
