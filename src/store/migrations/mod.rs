//! The migrations written in Rust (where SQL alone cannot do it); the
//! others are the numbered `.sql` files beside this one. Each file is
//! released once and never edited (`store::schema`).

pub(super) mod v0009_vocabularies;
