//! Provider connections on the server: SQL ([`repo`]), what members do ([`service`]: read, save with the
//! secret sealed, start a verification) and the `provider.connection.verify` run ([`verify`]), which also
//! finishes onboarding (tenant → active, first inventory sync queued).

pub mod repo;
pub mod service;
pub mod verify;
