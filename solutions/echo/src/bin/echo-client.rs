//! Echo client: sends all of stdin to the server, half-closes, and copies
//! everything the server sends back to stdout until the server closes.
//!
//! Usage: `echo-client ADDR` (for example `echo-client 127.0.0.1:7878`).
//!
//! The client's socket lifecycle is: create, connect, send/recv, close.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::process::exit;
use std::thread;

// ANCHOR: main
fn main() {
    let addr = server_addr();
    let stream = connect(&addr);
    // en: A second handle to the *same* socket, for the sending thread.
    // ko: *같은* 소켓을 가리키는 두 번째 핸들입니다. 보내는 스레드가 씁니다.
    let sending = match stream.try_clone() {
        Ok(clone) => clone,
        Err(err) => fail(&addr, "clone", err),
    };
    // en: Send and receive at the same time. If we first sent all of stdin and
    // only then read, a large input would deadlock: the server's echo fills
    // our receive buffer, the server blocks writing and stops reading, and
    // then our own writes block too.
    // ko: 보내기와 받기를 동시에 합니다. 표준 입력을 모두 보낸 뒤에야 읽는다면 입력이 클 때 교착
    // 상태가 됩니다. 서버의 에코가 우리 수신 버퍼를 채우면 서버는 쓰기에서 블록해 읽기를 멈추고,
    // 이어서 우리 쓰기도 블록합니다.
    let sender = thread::spawn(move || send_stdin(sending));
    if let Err(err) = receive(stream) {
        fail(&addr, "read", err);
    }
    match sender.join() {
        Ok(Ok(())) => {}
        Ok(Err(err)) => fail(&addr, "write", err),
        Err(_) => fail(
            &addr,
            "write",
            io::Error::other("the sending thread panicked"),
        ),
    }
    // en: Step 4: close. Both handles are dropped by now, which closes the socket.
    // ko: 4단계: 닫기. 이제 두 핸들이 모두 drop되었고, 그래서 소켓이 닫힙니다.
}
// ANCHOR_END: main

/// The one argument: the server's address.
fn server_addr() -> String {
    let mut args = std::env::args().skip(1);
    match (args.next(), args.next()) {
        (Some(addr), None) => addr,
        _ => {
            eprintln!("usage: echo-client ADDR");
            exit(2);
        }
    }
}

// ANCHOR: connect
/// en: Steps 1–2: create a socket and connect it to the server.
/// ko: 1–2단계: 소켓을 만들고 서버에 연결합니다.
fn connect(addr: &str) -> TcpStream {
    // en: `TcpStream::connect` is socket() + connect(): the kernel picks an
    // ephemeral local port and runs the three-way handshake. If nothing
    // listens there, the peer answers with RST: "connection refused".
    // ko: `TcpStream::connect`는 socket() + connect()입니다. 커널이 임시 포트를 로컬 포트로 고르고
    // 3-way 핸드셰이크를 합니다. 그곳에서 아무도 리슨하지 않으면 상대가 RST로 답합니다. `connection
    // refused`입니다.
    match TcpStream::connect(addr) {
        Ok(stream) => stream,
        Err(err) => fail(addr, "connect", err),
    }
}
// ANCHOR_END: connect

// ANCHOR: send_stdin
/// en: Step 3a: send all of stdin, then half-close.
/// ko: 3a단계: 표준 입력을 모두 보낸 뒤 절반 닫기를 합니다.
fn send_stdin(mut stream: TcpStream) -> io::Result<()> {
    // en: io::copy loops read-from-stdin / write_all-to-socket until stdin ends.
    // ko: io::copy는 표준 입력에서 읽어 소켓에 write_all하기를 표준 입력이 끝날 때까지 반복합니다.
    io::copy(&mut io::stdin().lock(), &mut stream)?;
    // en: Half-close: send FIN, so the server's read() returns 0, while our
    // receiving side stays open for the rest of the echo.
    // ko: 절반 닫기: FIN을 보내 서버의 read()가 0을 돌려주게 합니다. 우리 받는 쪽은 나머지 에코를
    // 받도록 열려 있습니다.
    stream.shutdown(Shutdown::Write)
}
// ANCHOR_END: send_stdin

// ANCHOR: receive
/// en: Step 3b: copy everything the server sends to stdout, until it closes.
/// ko: 3b단계: 서버가 닫을 때까지, 서버가 보내는 것을 모두 표준 출력으로 복사합니다.
fn receive(mut stream: TcpStream) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    // en: The echo arrives in pieces of any size; io::copy keeps reading until
    // read() returns 0, the server's FIN.
    // ko: 에코는 크기가 제각각인 덩어리로 도착합니다. io::copy는 read()가 0을, 곧 서버의 FIN을
    // 돌려줄 때까지 계속 읽습니다.
    io::copy(&mut stream, &mut stdout)?;
    stdout.flush()
}
// ANCHOR_END: receive

/// One line on stderr naming the address and the step, then exit code 1.
fn fail(addr: &str, step: &str, err: io::Error) -> ! {
    eprintln!("{step} {addr}: {err}");
    exit(1);
}
