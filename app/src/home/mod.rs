//! The landing page after sign-in.

pub mod pages;
