//! Chart hooks as Helm runs them: for one event, hooks sorted by weight (then name), each
//! deleted first under `before-hook-creation` (the default policy), created, waited for
//! when it is a Job or Pod, then deleted per `hook-succeeded` / `hook-failed`. Execution
//! times and phases are recorded on the release's hook records.

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

fn has_policy(h: &Hook, p: &str) -> bool {
    h.delete_policies.iter().any(|x| x == p)
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
    let idx = order.into_iter().map(|(_, _, i)| i);
    for i in idx {
        let Some(h) = hooks.get_mut(i) else { continue };
        let objs = parse_manifest(&h.manifest)?;
        let before = h.delete_policies.is_empty() || has_policy(h, "before-hook-creation");
        if before {
            for o in &objs {
                applier.delete(o).await?;
                // Wait for it to go so the create does not hit a terminating object.
                for _ in 0..100 {
                    if applier.get(o).await?.is_none() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
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
            Ok(()) => {
                h.last_run.phase = "Succeeded".into();
                if has_policy(h, "hook-succeeded") {
                    for o in &objs {
                        applier.delete(o).await?;
                    }
                }
            }
            Err(e) => {
                h.last_run.phase = "Failed".into();
                if has_policy(h, "hook-failed") {
                    for o in &objs {
                        let _ = applier.delete(o).await;
                    }
                }
                return Err(format!("{event} hook {} failed: {e}", h.name));
            }
        }
    }
    Ok(())
}
