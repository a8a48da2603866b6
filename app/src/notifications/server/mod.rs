//! Notifications, server half: SQL ([`repo`]) and the signed-in user's view of their own notifications
//! ([`service`]).

pub mod repo;
pub mod service;
