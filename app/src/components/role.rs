//! The localized name of a workspace role (`"readonly"` → "Read-only" / "Nur Lesen").

use leptos::prelude::*;

use crate::i18n::*;

#[component]
pub fn RoleName(#[prop(into)] role: String) -> impl IntoView {
    let i18n = use_i18n();
    move || match role.as_str() {
        "owner" => t_string!(i18n, members.roles.owner),
        "manager" => t_string!(i18n, members.roles.manager),
        "operator" => t_string!(i18n, members.roles.operator),
        "readonly" => t_string!(i18n, members.roles.readonly),
        "customer" => t_string!(i18n, members.roles.customer),
        _ => t_string!(i18n, members.roles.unknown),
    }
}
