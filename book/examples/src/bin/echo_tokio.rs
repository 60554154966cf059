//! An echo server on tokio: the third of the three servers of the chapter
//! "I/O models". It reads like the threaded one, and runs like the mio one:
//! every `.await` that cannot finish parks its task, and tokio's reactor
//! wakes it when epoll says its socket is ready.
//!
//! ```text
//! cargo run -p book-examples --bin echo_tokio -- --listen 127.0.0.1:7883
//! ```
//!
//! Same contract as `echo_threads` and `echo_mio`.

#[path = "../echo_common.rs"]
mod echo_common;

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How much one `read` may return, as in the other two servers.
const CHUNK: usize = 16 * 1024;

fn main() -> ExitCode {
    let addr = match echo_common::listen_addr("echo_tokio") {
        Ok(addr) => addr,
        Err(code) => return code,
    };
    let listener = match echo_common::bind(&addr) {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    // en: The runtime: worker threads (one per core) that run tasks, and the
    // reactor, the event loop of echo_mio, that wakes them.
    // ko: 런타임: 태스크를 실행하는 워커 스레드(코어마다 하나)와, 태스크를 깨우는 리액터,
    // 곧 echo_mio의 이벤트 루프입니다.
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(accept_loop(listener))
}

// ANCHOR: accept
async fn accept_loop(listener: std::net::TcpListener) -> ExitCode {
    // en: tokio, like mio, needs the socket non-blocking, then registers it
    // with the reactor.
    // ko: tokio도 mio처럼 소켓이 논블로킹이어야 하고, 그다음 리액터에 등록합니다.
    let listener = match listener
        .set_nonblocking(true)
        .and_then(|()| TcpListener::from_std(listener))
    {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("listener: {e}");
            return ExitCode::FAILURE;
        }
    };
    loop {
        // en: accept() returns WouldBlock inside; the task parks until the
        // reactor sees the listener readable, and the worker runs other tasks.
        // ko: 안에서 accept()가 WouldBlock을 돌려주면, 태스크는 리액터가 리스닝 소켓을 읽기
        // 가능으로 볼 때까지 멈춰 있고, 워커는 다른 태스크를 실행합니다.
        match listener.accept().await {
            Ok((stream, _peer)) => {
                // en: A task: one allocation for its state, no stack, no thread.
                // ko: 태스크 하나: 상태를 담는 할당 한 번, 스택도 스레드도 없습니다.
                tokio::spawn(serve(stream));
            }
            Err(e) => {
                eprintln!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: serve
/// en: The loop of echo_threads, word for word, with `.await` after each call
/// that may wait.
/// ko: echo_threads의 반복문을 글자 그대로 옮기고, 기다릴 수 있는 호출마다 `.await`를
/// 붙였습니다.
async fn serve(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0; CHUNK];
    loop {
        // en: Parks the task (not a thread) until the socket is readable.
        // ko: 소켓이 읽기 가능해질 때까지 (스레드가 아니라) 태스크를 멈춰 둡니다.
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        // en: A partial write parks the task until the socket is writable again;
        // the position in `buf` lives in the task's state meanwhile, as
        // `written` did in echo_mio's Conn.
        // ko: 일부만 써지면 소켓이 다시 쓰기 가능해질 때까지 태스크를 멈춰 둡니다. 그동안
        // `buf`의 위치는 태스크의 상태에 남아 있습니다. echo_mio의 Conn에서 `written`이
        // 그랬듯이요.
        stream.write_all(&buf[..n]).await?;
    }
    // en: shutdown(SHUT_WR): our FIN, after everything written.
    // ko: shutdown(SHUT_WR): 모두 쓴 뒤의 우리 FIN입니다.
    stream.shutdown().await
}
// ANCHOR_END: serve
