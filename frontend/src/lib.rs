//! The browser entry point: hydrates the server-rendered page. Nothing else lives here.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // hydrate_lazy: routes are lazily loaded wasm chunks (app::lazy_page!).
    leptos::mount::hydrate_lazy(app::App);
}
