//! Baselines on the server: storage (`repo`), what members do (`service`), the `baseline.capture` run
//! (`capture`), the compare engine and `compare.run` handler (`compare`) and the weekly compare
//! schedules (`schedule`).

pub mod capture;
pub mod compare;
pub mod repo;
pub mod schedule;
pub mod service;
