//! Weekly compare slots: each scheduler tick fires every slot whose latest occurrence (UTC) is newer
//! than when it last fired, queuing one `compare.run` (initiator `scheduled`) per assigned tenant. A slot
//! is marked fired in the same statement that checks it, so several servers fire it once.

use chrono::{DateTime, Datelike, Duration, Utc};

use super::repo;
use crate::{
    authz::server::SystemScope,
    baselines::Slot,
    db::Db,
    error::AppError,
    operations::{server::worker, InitiatorKind, RunType},
};

/// The latest start of `slot` at or before `now`.
pub fn latest_occurrence(slot: Slot, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let midnight = now.date_naive().and_hms_opt(0, 0, 0)?.and_utc();
    (0..8).find_map(|back| {
        let day = midnight - Duration::days(back);
        let weekday = day.weekday().num_days_from_monday();
        let at = day + Duration::minutes(i64::from(slot.minute_of_day));
        (slot.weekdays & (1 << weekday) != 0 && at <= now).then_some(at)
    })
}

/// Fires due slots; returns how many compare runs were queued.
pub async fn tick(db: &Db, system: &SystemScope, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut queued = 0;
    for s in repo::select_all_schedules(db).await? {
        let Some(at) = latest_occurrence(s.slot(), now) else { continue };
        if s.last_fired_at.is_some_and(|f| f >= at) {
            continue;
        }
        let mut tx = db.begin().await?;
        let mine = repo::mark_fired(&mut tx, s.id, s.last_fired_at, at).await?;
        tx.commit().await?;
        if !mine {
            continue;
        }
        for tenant in repo::select_assigned_ids(db, system, s.workspace_id, s.profile_id).await? {
            // A profile without a complete snapshot has nothing to compare against: skip, do not fail runs.
            let scope = system.tenant(db, s.workspace_id, tenant).await?;
            if repo::select_profile(db, &scope, s.profile_id).await?.is_none_or(|p| p.active_snapshot_id.is_none()) {
                break;
            }
            let (_, new) = worker::enqueue_with(
                db,
                system,
                s.workspace_id,
                Some(tenant),
                RunType::CompareRun,
                InitiatorKind::Scheduled,
                &s.profile_id.to_string(),
                serde_json::json!({ "profile_id": s.profile_id }),
            )
            .await?;
            queued += usize::from(new);
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_occurrence_walks_back_to_the_slot() {
        // 2026-12-04 is a Friday.
        let now = "2026-12-04T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let fri_9 = Slot::parse(&[5], Some("09:00")).unwrap();
        assert_eq!(latest_occurrence(fri_9, now).unwrap().to_rfc3339(), "2026-12-04T09:00:00+00:00");
        let fri_11 = Slot::parse(&[5], Some("11:00")).unwrap();
        assert_eq!(latest_occurrence(fri_11, now).unwrap().to_rfc3339(), "2026-11-27T11:00:00+00:00");
        let mon = Slot::parse(&[1], Some("00:00")).unwrap();
        assert_eq!(latest_occurrence(mon, now).unwrap().to_rfc3339(), "2026-11-30T00:00:00+00:00");
    }
}
