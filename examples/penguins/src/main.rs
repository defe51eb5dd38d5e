//! Penguins example pipeline. The steps are in the modules below, and the
//! command-line entry point is still to be written.
#![allow(dead_code)]

mod card;
mod data;
mod model;

fn main() {}
