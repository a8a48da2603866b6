//! Small building blocks shared by every area: the submit button with its pending state, the global
//! activity bar, and translated error output.

pub mod activity;
pub mod errors;
pub mod role;

pub use activity::{track_pending, Activity, SubmitButton};
pub use errors::{ErrorPage, ErrorText, FieldErrorText};
pub use role::RoleName;
