//! en:
//! # Exercise 1 · Echo client
//!
//! Your client connects to an echo server, sends all of stdin, and prints
//! everything the server sends back, until the server closes.
//!
//! Usage: `echo-client ADDR` (for example `echo-client 127.0.0.1:7878`).
//! If the connection fails, print one line naming the address to stderr,
//! e.g. `connect 127.0.0.1:7878: Connection refused`, and exit with code 1.
//!
//! The client's socket lifecycle: **create → connect → send/recv → close**.
//! Fill in the `todo!()`s; grade with `cargo xtask grade echo`.
//!
//! ko:
//! # 실습 1 · 에코 클라이언트
//!
//! 클라이언트는 에코 서버에 연결해서 표준 입력(stdin)을 모두 보내고, 서버가 연결을 닫을
//! 때까지 서버가 돌려보내는 것을 모두 출력합니다.
//!
//! 사용법: `echo-client ADDR`(예: `echo-client 127.0.0.1:7878`). 연결에 실패하면 주소를 담은
//! 한 줄을 표준 오류(stderr)에 찍고(예: `connect 127.0.0.1:7878: Connection refused`) 종료
//! 코드 1로 끝냅니다.
//!
//! 클라이언트 소켓(socket)의 생애 주기: **생성 → 연결(connect) → 보내기/받기 → 닫기**.
//! `todo!()`를 채우고 `cargo xtask grade echo`로 채점하세요.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::process::exit;
use std::thread;

fn main() {
    let addr = server_addr();
    let stream = connect(&addr);
    // en: A second handle to the *same* socket, for the sending thread.
    // ko: *같은* 소켓을 가리키는 두 번째 핸들입니다. 보내는 스레드가 씁니다.
    let sending = match stream.try_clone() {
        Ok(clone) => clone,
        Err(err) => fail(&addr, "clone", err),
    };
    // en: Send and receive at the same time: see the chapter for why sending
    // everything first, then reading, can hang forever on a large input.
    // ko: 보내기와 받기를 동시에 합니다. 다 보낸 다음에 읽으면 입력이 클 때 영원히 멈출 수
    // 있는 이유는 책의 장에 있습니다.
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

/// en: The one argument: the server's address. (Given.)
/// ko: 인자는 하나, 서버의 주소입니다. (주어진 코드입니다.)
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

/// en: Steps 1–2: **create** a socket and **connect** it to the server.
///
/// - `TcpStream::connect(addr)` does both (socket + connect).
/// - On error, call `fail(addr, "connect", err)`: one line on stderr, exit 1.
///
/// ko: 1–2단계: 소켓을 **생성**하고 서버에 **연결**합니다.
///
/// - `TcpStream::connect(addr)` 하나가 둘 다(소켓 생성 + 연결) 합니다.
/// - 오류가 나면 `fail(addr, "connect", err)`를 부르세요. 표준 오류에 한 줄, 종료 코드 1입니다.
#[allow(unused_variables)]
fn connect(addr: &str) -> TcpStream {
    // ko: 1–2단계: TcpStream::connect(addr), 실패하면 fail(addr, "connect", err)
    todo!("steps 1–2: TcpStream::connect(addr), or fail(addr, \"connect\", err)")
}

/// en: Step 3a: **send** all of stdin, then half-close.
///
/// - `io::copy(&mut io::stdin().lock(), &mut stream)` sends everything.
/// - Then `stream.shutdown(Shutdown::Write)`: the server reads end of stream,
///   and you can still receive its answer.
///
/// ko: 3a단계: 표준 입력을 모두 **보내고**, 절반 닫기(half-close)를 합니다.
///
/// - `io::copy(&mut io::stdin().lock(), &mut stream)`이 모두 보냅니다.
/// - 그다음 `stream.shutdown(Shutdown::Write)`: 서버는 스트림 끝을 읽고, 여러분은 서버의
///   응답을 계속 받을 수 있습니다.
#[allow(unused_variables, unused_mut)]
fn send_stdin(mut stream: TcpStream) -> io::Result<()> {
    // ko: 3a단계: 표준 입력을 소켓으로 io::copy, 그다음 shutdown(Shutdown::Write)
    todo!("step 3a: io::copy stdin to the socket, then shutdown(Shutdown::Write)")
}

/// en: Step 3b: **receive** everything the server sends and print it to stdout.
///
/// - `io::copy(&mut stream, &mut io::stdout().lock())` reads until the
///   server closes (`read` returns 0). Flush stdout at the end.
///
/// ko: 3b단계: 서버가 보내는 것을 모두 **받아서** 표준 출력(stdout)에 찍습니다.
///
/// - `io::copy(&mut stream, &mut io::stdout().lock())`은 서버가 연결을 닫을 때까지(`read`가
///   0을 돌려줄 때까지) 읽습니다. 끝에 표준 출력을 flush하세요.
#[allow(unused_variables, unused_mut)]
fn receive(mut stream: TcpStream) -> io::Result<()> {
    // ko: 3b단계: 소켓을 표준 출력으로 io::copy, 그다음 flush
    todo!("step 3b: io::copy the socket to stdout, then flush")
}

/// en: One line on stderr naming the address and the step, then exit code 1. (Given.)
/// ko: 주소와 단계를 담은 한 줄을 표준 오류에 찍고 종료 코드 1로 끝냅니다. (주어진 코드입니다.)
fn fail(addr: &str, step: &str, err: io::Error) -> ! {
    eprintln!("{step} {addr}: {err}");
    exit(1);
}

// en: Keep the imports the solution needs; remove this line when you use them.
// ko: 답에 필요한 import를 남겨 두는 줄입니다. import를 쓰게 되면 이 줄을 지우세요.
#[allow(dead_code)]
fn _uses(_: &dyn Write, _: Shutdown) {}
