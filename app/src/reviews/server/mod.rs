//! Reviews on the server: storage (`repo`), the evidence run (`evidence`), the compose run (`compose`),
//! the pack run and retention (`generate`), the pack format (`pack`) and store (`storage`), plan
//! entitlements (`entitlements`) and the member-facing service (`service`).

pub mod compose;
pub mod entitlements;
pub mod evidence;
pub mod generate;
pub mod pack;
pub mod repo;
pub mod service;
pub mod storage;
