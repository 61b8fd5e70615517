//! Remediation of a failed upgrade (or failed tests after an upgrade) with `rollback.enable`:
//! a Helm rollback to the newest deployed revision with the `rollback.*` options, phases
//! `RollingBack` → `RolledBack`/`RollbackFailed`, condition `RolledBack`, events.

use crate::api::{ConditionType, HelmRelease, HelmReleaseStatus, Phase};

use super::actions::rollback::{rollback, RollbackOpts};
use super::actions::ReleaseCtx;
use super::{events, observe, status, Ctx, Error};

pub async fn roll_back(
    hr: &HelmRelease,
    ctx: &Ctx,
    rc: &ReleaseCtx,
    st: &mut HelmReleaseStatus,
) -> Result<(), Error> {
    ctx.metrics.action("rollback");
    status::set_phase(st, Phase::RollingBack);
    let hist = observe::history(&rc.storage, &rc.name)
        .await
        .map_err(Error::Reconcile)?;
    let opts = RollbackOpts::from_spec(&hr.spec.rollback, rc.wait);
    if opts.recreate {
        tracing::info!(release = %rc.name, "rollback.recreate is a no-op (Helm 4 rollback has no pod recreation)");
    }
    match rollback(rc, &hist, &opts).await {
        Ok(v) => {
            st.rollback_count += 1;
            let m = format!(
                "Rolled back release {} to revision {v} after a failed upgrade",
                rc.name
            );
            status::set_phase(st, Phase::RolledBack);
            status::set(st, ConditionType::RolledBack, true, "RollbackSucceeded", &m);
            events::publish(&ctx.recorder, hr, false, "RollbackSucceeded", m).await;
        }
        Err(e) => {
            let m = format!("Rollback of release {} failed: {e}", rc.name);
            status::set_phase(st, Phase::RollbackFailed);
            status::set(st, ConditionType::RolledBack, false, "RollbackFailed", &m);
            events::publish(&ctx.recorder, hr, true, "RollbackFailed", m).await;
        }
    }
    Ok(())
}
