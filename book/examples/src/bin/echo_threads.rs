//! An echo server with one thread per connection: the first of the three
//! servers of the chapter "I/O models". Every call blocks, and each client
//! has a thread of its own to block in.
//!
//! ```text
//! cargo run -p book-examples --bin echo_threads -- --listen 127.0.0.1:7883
//! ```
//!
//! The first line on stdout is `listening on ADDRESS`. Each connection gets
//! back every byte it sends, in order; after the client's half-close, the
//! server finishes writing and closes.

#[path = "../echo_common.rs"]
mod echo_common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

/// Each connection's stack. The default is 2 MiB; this thread keeps its
/// buffer on the heap and calls nothing deep, so 64 KiB is plenty, and
/// thousands of threads reserve far less address space.
const STACK_SIZE: usize = 64 * 1024;

/// How much one `read` may return. Larger means fewer system calls per
/// megabyte; smaller means less memory per idle client.
const CHUNK: usize = 16 * 1024;

fn main() -> ExitCode {
    let addr = match echo_common::listen_addr("echo_threads") {
        Ok(addr) => addr,
        Err(code) => return code,
    };
    let listener = match echo_common::bind(&addr) {
        Ok(listener) => listener,
        Err(code) => return code,
    };
    // ANCHOR: accept
    loop {
        // en: Blocks this thread, the main one, until a connection is queued.
        // ko: 연결이 큐에 들어올 때까지 이 스레드, 즉 메인 스레드를 블록합니다.
        let stream = match listener.accept() {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // en: "Too many open files" lasts until a client leaves: pause, do not spin.
                // ko: "Too many open files"는 클라이언트가 떠날 때까지 계속되니, 헛돌지 말고 쉽니다.
                eprintln!("accept: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        // en: A thread per connection: a stack, a kernel task, an ID from the
        // same pool as process IDs. When the system has none left, spawn()
        // fails and only this client is dropped (its socket closes).
        // ko: 연결마다 스레드 하나: 스택 하나, 커널 태스크 하나, 프로세스 ID와 같은 풀에서 나온
        // ID 하나. 시스템에 남은 것이 없으면 spawn()이 실패하고, 이 클라이언트만 끊깁니다
        // (소켓이 닫힙니다).
        let spawned = thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || serve(stream));
        if let Err(e) = spawned {
            eprintln!("spawn: {e}");
        }
    }
    // ANCHOR_END: accept
}

// ANCHOR: serve
/// en: One client, from accept to close, in plain blocking calls.
/// ko: 클라이언트 하나를 수락에서 닫기까지, 평범한 블로킹 호출로 처리합니다.
fn serve(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = vec![0; CHUNK];
    loop {
        // en: Sleeps until the kernel has at least one byte for us, or the
        // client's FIN (0), or a reset (an error). The thread does nothing
        // else meanwhile, and needs to do nothing else.
        // ko: 커널이 우리에게 줄 바이트가 하나라도 생기거나, 클라이언트의 FIN(0)이나 리셋(오류)이
        // 올 때까지 잠듭니다. 그동안 스레드는 다른 일을 하지 않고, 할 필요도 없습니다.
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        // en: Sleeps while the client's receive window is full: a client that
        // does not read stops this thread, and only this thread.
        // ko: 클라이언트의 수신 윈도우가 가득 찬 동안 잠듭니다. 읽지 않는 클라이언트는 이 스레드를,
        // 오직 이 스레드만 멈춥니다.
        stream.write_all(&buf[..n])?;
    }
    // en: Everything is written; our FIN tells the client that nothing more comes.
    // ko: 모두 썼습니다. 우리 FIN이 클라이언트에게 더 올 것이 없다고 알립니다.
    stream.shutdown(Shutdown::Write)
}
// ANCHOR_END: serve
