//! The reliable-UDP exercise (issue 17, in progress): `rdt-send` and
//! `rdt-recv` move a file over UDP through a lossy network. Here so far: the
//! grader's reading of the datagram format (`proto`) and its own sender and
//! receiver (`peer`), tested through the lossy proxy (`udp_proxy`). The tests
//! of a student's crate, and the exercise's entry in `exercises.rs`, come next.

pub mod peer;
pub mod proto;
