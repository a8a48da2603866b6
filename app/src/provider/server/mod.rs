//! The one Microsoft Graph client (server build only). [`GraphClient`] is created once per process from a
//! [`GraphConfig`] (authority and Graph roots: Microsoft's in production, the simulator's in tests and the
//! demo — nothing else differs) and hands out a [`TenantGraph`] per tenant credential. It owns token
//! acquisition and caching ([`token`]), retries, back-off and request budgets ([`retry`]), and the mapping
//! of every failure to a [`ReasonCode`](super::ReasonCode) ([`error`]).

pub mod client;
pub mod error;
pub mod retry;
pub mod runtime;
pub mod token;

pub use client::{GraphClient, GraphConfig, Query, TenantGraph};
pub use error::GraphError;
pub use retry::RequestBudget;
pub use runtime::{PlatformApp, Provider};
pub use token::{AccessToken, ClientSecret, TenantCredential};
