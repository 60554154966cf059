//! The part the three echo servers of the chapter "I/O models" share: the
//! command line, `[--listen ADDR]`, and the listening socket with its
//! readiness line. Each server includes this file with `#[path]`, so that
//! the three differ only in how they wait.

use std::net::TcpListener;
use std::process::ExitCode;

/// The address used when none is given: the same for all three servers,
/// which are interchangeable.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7883";

/// Reads `[--listen ADDR]`; anything else prints the usage and exits with 2.
pub fn listen_addr(program: &str) -> Result<String, ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => Ok(DEFAULT_ADDR.to_string()),
        ["--listen", addr] => Ok(addr.to_string()),
        _ => {
            eprintln!("usage: {program} [--listen ADDR]");
            Err(ExitCode::from(2))
        }
    }
}

// ANCHOR: bind
/// en: socket() + bind() + listen(), then the readiness line with the address
/// the kernel really gave (port 0 asks it for a free one). The socket is
/// blocking, as every new socket is; the mio and tokio servers switch it.
/// ko: socket() + bind() + listen()을 하고, 커널이 실제로 준 주소로 준비 완료 줄을 출력합니다
/// (포트 0은 빈 포트를 달라는 뜻입니다). 새 소켓이 모두 그렇듯 이 소켓도 블로킹이며,
/// mio 서버와 tokio 서버가 이를 바꿉니다.
pub fn bind(addr: &str) -> Result<TcpListener, ExitCode> {
    let listener = TcpListener::bind(addr).map_err(|e| {
        eprintln!("bind {addr}: {e}");
        ExitCode::FAILURE
    })?;
    let local = listener.local_addr().map_err(|e| {
        eprintln!("getsockname: {e}");
        ExitCode::FAILURE
    })?;
    println!("listening on {local}");
    Ok(listener)
}
// ANCHOR_END: bind
