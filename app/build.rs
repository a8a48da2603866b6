//! Generates the `i18n` module from `locales/*.json` (leptos_i18n code generation) and makes new
//! migration files trigger a rebuild of the embedded migrator.
use std::path::PathBuf;

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../locales");
    println!("cargo::rerun-if-changed=../migrations");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("i18n");
    let cfg = Config::new("en")
        .and_then(|c| c.add_locale("de"))
        .expect("locale config")
        .locales_path("../locales")
        .parse_options(ParseOptions::default().interpolate_display(true));
    let infos = TranslationsInfos::parse(cfg).expect("locales/*.json must parse");
    infos.rerun_if_locales_changed();
    infos.emit_diagnostics();
    infos.generate_i18n_module(out).expect("generate i18n module");
}
