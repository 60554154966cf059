//! Restarting a server while its old connection is in TIME_WAIT: a socket
//! without SO_REUSEADDR cannot bind the port, std's `TcpListener` can.
//!
//! 1. A server on 127.0.0.1 (a port the kernel picks) accepts one client and
//!    closes first, so the connection waits in TIME_WAIT on the server's side;
//!    then the server stops listening.
//! 2. A new listening socket made with socket2, without SO_REUSEADDR, tries
//!    to bind the same port.
//! 3. `TcpListener::bind`, which sets SO_REUSEADDR on Unix, tries the same.
//!
//! The chapter "Socket options" runs it and explains the output
//! (`-- --lang ko`: the same lines in Korean; the OS's error stays as the OS
//! says it).

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};

use socket2::{Domain, Socket, Type};

/// The language of the output's words.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lang {
    En,
    Ko,
}

/// How a bind went, after `who` tried it.
fn bind_line(lang: Lang, who: &str, result: io::Result<()>) -> String {
    match (lang, result) {
        (Lang::En, Ok(())) => format!("{who}: bind succeeded"),
        (Lang::En, Err(e)) => format!("{who}: bind failed: {e}"),
        (Lang::Ko, Ok(())) => format!("{who}: 바인드 성공"),
        (Lang::Ko, Err(e)) => format!("{who}: 바인드 실패: {e}"),
    }
}

/// `reuse_addr [--lang en|ko]`.
fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] | ["--lang", "en"] => Lang::En,
        ["--lang", "ko"] => Lang::Ko,
        _ => {
            eprintln!("usage: reuse_addr [--lang en|ko]");
            std::process::exit(2);
        }
    };
    let addr = leave_a_time_wait()?;
    match lang {
        Lang::En => {
            println!("the old server closed first; its connection is in TIME_WAIT on {addr}")
        }
        Lang::Ko => {
            println!("옛 서버가 먼저 닫았습니다. 그 연결은 {addr}에서 TIME_WAIT에 있습니다")
        }
    }
    let plain = bind_without_reuseaddr(addr).map(drop);
    let who = match lang {
        Lang::En => "without SO_REUSEADDR",
        Lang::Ko => "SO_REUSEADDR 없이",
    };
    println!("{}", bind_line(lang, who, plain));
    let std = TcpListener::bind(addr).map(drop);
    let who = match lang {
        Lang::En => "TcpListener::bind (SO_REUSEADDR on)",
        Lang::Ko => "TcpListener::bind(SO_REUSEADDR 켬)",
    };
    println!("{}", bind_line(lang, who, std));
    Ok(())
}

/// Serves one connection and closes it from the server's side first, then
/// drops the listener; returns the port's address.
fn leave_a_time_wait() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut client = TcpStream::connect(addr)?;
    let (server_side, _) = listener.accept()?;
    // en: The server closes first (the active close): its FIN goes out, and
    // its side of the 4-tuple will wait in TIME_WAIT for 2×MSL.
    // ko: 서버가 먼저 닫습니다(능동적 종료). 서버의 FIN이 나가고, 4-튜플의 서버 쪽은
    // 2×MSL 동안 TIME_WAIT에 머뭅니다.
    drop(server_side);
    // en: The client reads to the end (the FIN) and closes; its FIN and the
    // server's last ACK complete the close.
    // ko: 클라이언트는 끝(FIN)까지 읽고 닫습니다. 클라이언트의 FIN과 서버의 마지막 ACK으로
    // 종료가 끝납니다.
    let mut rest = Vec::new();
    client.read_to_end(&mut rest)?;
    drop(client);
    drop(listener);
    Ok(addr)
}

// ANCHOR: raw_bind
/// en: A listening socket made step by step, without SO_REUSEADDR.
/// ko: SO_REUSEADDR 없이 한 단계씩 만든 리스닝 소켓입니다.
fn bind_without_reuseaddr(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // en: No set_reuse_address(true) here. Linux then refuses a port that any
    // socket still holds, a TIME_WAIT connection included: EADDRINUSE.
    // ko: 여기서는 set_reuse_address(true)를 부르지 않습니다. 그러면 Linux는 어떤 소켓이든,
    // TIME_WAIT 연결까지 포함해 아직 쥐고 있는 포트를 거절합니다. EADDRINUSE입니다.
    socket.bind(&addr.into())?;
    socket.listen(128)?;
    Ok(socket)
}
// ANCHOR_END: raw_bind
