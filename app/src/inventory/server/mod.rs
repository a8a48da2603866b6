//! Inventory on the server: the pure pipeline ([`normalize`], [`redact`], [`diff`]), SQL ([`repo`]), what
//! members do ([`service`]) and the `inventory.sync` run ([`sync`]).

pub mod diff;
pub mod normalize;
pub mod redact;
pub mod repo;
pub mod service;
pub mod sync;
