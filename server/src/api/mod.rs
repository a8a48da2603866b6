//! The JSON API. One version so far: [`v1`] under `/api/v1`.

pub mod v1;
