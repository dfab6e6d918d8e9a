//! `cargo xtask`: nice-plug's bundler plus two project commands.
//!
//! - `cargo xtask bundle lacquer --release`: build and write `target/bundled/Lacquer.{clap,vst3}`.
//! - `cargo xtask install`: copy the bundles into `~/.clap` and `~/.vst3`.
//! - `cargo xtask test-bundle`: build the bundles the test suite loads (release speed, debug
//!   assertions and the allocation guard on) into `target/test-bundled/`, leaving
//!   `target/bundled/` as it was.

use anyhow::{anyhow, Context};
use std::path::{Path, PathBuf};

const PACKAGE: &str = "lacquer";
const BUNDLE_NAME: &str = "Lacquer";
const TEST_PROFILE: &str = "testbundle";
const TEST_FEATURES: &str = "alloc-guard,test-hooks";

fn main() -> nice_plug_xtask::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("install") => install(),
        Some("test-bundle") => test_bundle(),
        _ => nice_plug_xtask::main(),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn replace(from: &Path, to: &Path) -> std::io::Result<()> {
    if to.is_dir() {
        std::fs::remove_dir_all(to)?;
    } else if to.exists() {
        std::fs::remove_file(to)?;
    }
    if from.is_dir() {
        copy_dir(from, to)
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

fn install() -> nice_plug_xtask::Result<()> {
    let bundled = workspace_root().join("target/bundled");
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .ok_or_else(|| anyhow!("HOME is not set; cannot find the user plugin folders"))?;
    let mut installed = 0;
    for (ext, dir) in [("clap", ".clap"), ("vst3", ".vst3")] {
        let src = bundled.join(format!("{BUNDLE_NAME}.{ext}"));
        if !src.exists() {
            eprintln!(
                "skipped {}: not built (run `cargo xtask bundle lacquer --release`)",
                src.display()
            );
            continue;
        }
        let dest_dir = home.join(dir);
        std::fs::create_dir_all(&dest_dir)?;
        let dest = dest_dir.join(format!("{BUNDLE_NAME}.{ext}"));
        replace(&src, &dest)?;
        println!("installed {}", dest.display());
        installed += 1;
    }
    if installed == 0 {
        return Err(anyhow!("nothing installed: build the bundles first"));
    }
    Ok(())
}

fn test_bundle() -> nice_plug_xtask::Result<()> {
    let root = workspace_root();
    let bundled = root.join("target/bundled");
    let kept = root.join("target/bundled.kept");
    let test_bundled = root.join("target/test-bundled");
    // nice-plug-xtask always writes to target/bundled: keep the user's release bundles aside.
    if bundled.exists() {
        replace(&bundled, &kept)?;
        std::fs::remove_dir_all(&bundled)?;
    }
    let built = nice_plug_xtask::main_with_args(
        "cargo xtask",
        [
            "bundle",
            PACKAGE,
            "--profile",
            TEST_PROFILE,
            "--features",
            TEST_FEATURES,
        ]
        .map(String::from),
    );
    let moved = if built.is_ok() {
        replace(&bundled, &test_bundled).map(|_| ())
    } else {
        Ok(())
    };
    if bundled.exists() {
        std::fs::remove_dir_all(&bundled)?;
    }
    if kept.exists() {
        replace(&kept, &bundled)?;
        std::fs::remove_dir_all(&kept)?;
    }
    built.context("building the test bundles failed")?;
    moved?;
    println!("test bundles in {}", test_bundled.display());
    Ok(())
}
