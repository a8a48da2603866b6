//! Findings on the server: storage (`repo`), the member-facing workflow (`service`) and the system's
//! side (`system`: the acceptance expiry sweep).

pub mod repo;
pub mod service;
pub mod system;
