//! Running the external commands the tool needs (cargo, mostly).
//!
//! Every external command goes through here, so the user sees what runs and a
//! failure names the command and its status.

use std::process::Command;

use anyhow::{Context, Result, bail};

/// Runs `command` to completion with inherited stdio, printing it first.
pub fn run(command: &mut Command) -> Result<()> {
    eprintln!("$ {}", display(command));
    let status = command
        .status()
        .with_context(|| format!("could not start `{}`", display(command)))?;
    if !status.success() {
        bail!("`{}` failed: {status}", display(command));
    }
    Ok(())
}

/// The command as a user would type it.
pub fn display(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
