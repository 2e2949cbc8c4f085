//! The browser entry point: hydrates the page the portal rendered.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(eip_portal_app::App);
}
