//! A small static file server on 127.0.0.1 for `serve` and the browser test.
//! It serves GET and HEAD from one folder, one thread per connection, records
//! every request (so a test can see that a figure was fetched), and stops when
//! dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::html;

/// One request the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The decoded path, without the query (`/ko/images/osi.svg`).
    pub path: String,
    /// The status sent (200 or 404).
    pub status: u16,
}

/// A running server; dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<Request>>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `root` on `addr` (use `127.0.0.1:0` for any free port).
    pub fn start(root: &Path, addr: &str) -> Result<Server> {
        let listener = TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let root = root
            .canonicalize()
            .with_context(|| format!("no folder {}", root.display()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, log) = (stop.clone(), log.clone());
            thread::spawn(move || accept_loop(&listener, &root, &stop, &log))
        };
        Ok(Server {
            addr,
            stop,
            log,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Forgets the requests so far.
    pub fn clear_requests(&self) {
        if let Ok(mut l) = self.log.lock() {
            l.clear();
        }
    }

    /// Blocks until the process is stopped (for `serve`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    root: &Path,
    stop: &AtomicBool,
    log: &Arc<Mutex<Vec<Request>>>,
) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (root, log) = (root.to_path_buf(), log.clone());
                workers.push(thread::spawn(move || {
                    let _ = serve_connection(stream, &root, &log);
                }));
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(10));
            }
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
    // Each worker ends within its read timeout.
    for w in workers {
        let _ = w.join();
    }
}

/// Answers requests on one connection until it closes, idles or errs.
fn serve_connection(stream: TcpStream, root: &Path, log: &Mutex<Vec<Request>>) -> Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        // Skip the headers.
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or("");
        let target = parts.next().unwrap_or("/");
        let path = html::percent_decode(target.split(['?', '#']).next().unwrap_or("/"));
        let file = resolve(root, &path);
        let (status, body, kind) = match (method, file) {
            ("GET" | "HEAD", Some(file)) => match std::fs::read(&file) {
                Ok(body) => (200, body, content_type(&file)),
                Err(_) => (404, b"not found\n".to_vec(), "text/plain; charset=utf-8"),
            },
            ("GET" | "HEAD", None) => (404, b"not found\n".to_vec(), "text/plain; charset=utf-8"),
            _ => (
                405,
                b"method not allowed\n".to_vec(),
                "text/plain; charset=utf-8",
            ),
        };
        if let Ok(mut l) = log.lock() {
            l.push(Request {
                path: path.clone(),
                status,
            });
        }
        let reason = match status {
            200 => "OK",
            404 => "Not Found",
            _ => "Method Not Allowed",
        };
        write!(
            out,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\n\r\n",
            body.len()
        )?;
        if method != "HEAD" {
            out.write_all(&body)?;
        }
        out.flush()?;
    }
}

/// The file for a URL path; `None` for paths that climb out of `root` or name nothing.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let file = root.join(relative);
    if file.is_dir() {
        let index = file.join("index.html");
        return index.is_file().then_some(index);
    }
    file.is_file().then_some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
