#!/usr/bin/env node
// client.js: a minimal SMPP client (ESME) on node-smpp 0.5.1, for emgdiag's
// integration tests; the Node twin of client.pl.
//
// node-smpp is an SMPP implementation independent of Kannel and of Net::SMPP,
// with habits of its own worth meeting: binds carry interface_version 0x50 by
// default and refused responses are header-only.  Strings are passed as
// Buffers so the octets on the wire are exactly the ones given.
//
// One JSON object per event on stdout:
//   {"event":"connect","local":"127.0.0.2:40000"}
//   {"event":"bind","mode":"trx","status":0,"system_id":"smsc"}
//   {"event":"bind_timeout"}              no bind response within --timeout
//   {"event":"submit","status":0,"message_id":"00000001"}
//   {"event":"unbind_received"}           the server unbound us (answered)
//   {"event":"unbind","status":0}         our unbind was answered
//   {"event":"pdu","dir":"out","hex":"..."}  with --pdus: every PDU sent
//                                         ("out") or received ("in"), whole,
//                                         in wire order
//   {"event":"error","message":"..."}
//   {"event":"closed","by":"client"}      who closed: "client" (us) or "server"
// Exit status: 0 when it ran as asked, whatever the bind status (the test
// judges it); 1 when the TCP connection could not be made; 2 on bad usage.
'use strict';

const path = require('path');
const smpp = require(path.join(__dirname, 'node_modules', 'smpp'));

function usage(msg) {
	if (msg)
		process.stderr.write('client.js: ' + msg + '\n');
	process.stderr.write('usage: client.js --host H --port N --system-id ID --password PW\n' +
		'         [--mode trx|tx|rx] [--local-address A] [--submit N] [--hold SECS]\n' +
		'         [--unbind] [--timeout SECS] [--interface-version N] [--pdus]\n');
	process.exit(2);
}

function parseArgs(argv) {
	const opt = { mode: 'trx', submit: 0, hold: 0, unbind: false, timeout: 10, pdus: false };
	const valued = {
		'--host': 'host', '--port': 'port', '--system-id': 'systemId',
		'--password': 'password', '--mode': 'mode', '--local-address': 'localAddress',
		'--submit': 'submit', '--hold': 'hold', '--timeout': 'timeout',
		'--interface-version': 'interfaceVersion',
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--unbind') {
			opt.unbind = true;
		} else if (a === '--pdus') {
			opt.pdus = true;
		} else if (a === '--help') {
			usage();
		} else if (valued[a]) {
			if (i + 1 >= argv.length)
				usage(a + ' needs a value');
			opt[valued[a]] = argv[++i];
		} else {
			usage('unknown argument ' + a);
		}
	}
	for (const k of ['host', 'port', 'systemId', 'password'])
		if (opt[k] === undefined)
			usage('missing --' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
	if (!['trx', 'tx', 'rx'].includes(opt.mode))
		usage('--mode must be trx, tx or rx');
	for (const k of ['port', 'submit', 'hold', 'timeout']) {
		opt[k] = Number(opt[k]);
		if (!Number.isFinite(opt[k]) || opt[k] < 0)
			usage('bad number for ' + k);
	}
	if (opt.interfaceVersion !== undefined)
		opt.interfaceVersion = Number(opt.interfaceVersion);
	return opt;
}

function event(name, fields) {
	process.stdout.write(JSON.stringify(Object.assign({ event: name }, fields || {})) + '\n');
}

const opt = parseArgs(process.argv.slice(2));
const bindCommand = { trx: 'bind_transceiver', tx: 'bind_transmitter', rx: 'bind_receiver' }[opt.mode];
let connected = false;
let finished = false;

const connectOptions = { host: opt.host, port: opt.port };
if (opt.localAddress)
	connectOptions.localAddress = opt.localAddress;
const session = smpp.connect(connectOptions);
if (opt.pdus)
	traceSocket(session.socket);

// Every PDU as the test sees it, whole, in hex.  node-smpp reads a PDU with
// two socket.read() calls (command_length, then the rest) and writes each
// PDU with one socket.write(); both are wrapped here and the octets cut at
// each command_length.
function traceSocket(socket) {
	const pending = { in: Buffer.alloc(0), out: Buffer.alloc(0) };
	const trace = (dir, chunk) => {
		let buf = Buffer.concat([pending[dir], chunk]);
		while (buf.length >= 4 && buf.length >= buf.readUInt32BE(0)) {
			const len = Math.max(buf.readUInt32BE(0), 4);
			event('pdu', { dir: dir, hex: buf.subarray(0, len).toString('hex') });
			buf = buf.subarray(len);
		}
		pending[dir] = buf;
	};
	const read = socket.read.bind(socket);
	socket.read = (n) => {
		const chunk = read(n);
		if (chunk)
			trace('in', chunk);
		return chunk;
	};
	const write = socket.write.bind(socket);
	socket.write = (chunk, ...rest) => {
		trace('out', Buffer.from(chunk));
		return write(chunk, ...rest);
	};
}

session.on('error', (e) => {
	event('error', { message: (connected ? '' : 'connect to ' + opt.host + ':' + opt.port + ': ') +
		(e && e.message ? e.message : String(e)) });
	if (!connected)
		process.exit(1);
});

session.on('close', () => {
	event('closed', { by: finished ? 'client' : 'server' });
	process.exit(connected ? 0 : 1);
});

// Requests the SMSC may send us at any time.
session.on('enquire_link', (pdu) => session.send(pdu.response()));
session.on('deliver_sm', (pdu) => {
	session.send(pdu.response());
	event('deliver', { source: String(pdu.source_addr), destination: String(pdu.destination_addr) });
});
session.on('unbind', (pdu) => {
	session.send(pdu.response());
	event('unbind_received');
	finish();
});

function finish() {
	if (finished)
		return;
	finished = true;
	session.close();
}

// Sends a request and calls done(pdu) with its response, or done(null)
// after --timeout seconds.
function request(command, fields, done) {
	let answered = false;
	const timer = setTimeout(() => {
		if (!answered) {
			answered = true;
			done(null);
		}
	}, opt.timeout * 1000);
	session[command](fields, (pdu) => {
		if (answered)
			return;
		answered = true;
		clearTimeout(timer);
		done(pdu);
	});
}

function submitNext(n) {
	if (finished)
		return;
	if (n > opt.submit) {
		hold();
		return;
	}
	request('submit_sm', {
		source_addr: Buffer.from('12345'),
		destination_addr: Buffer.from('4670000000' + n),
		short_message: Buffer.from('test message ' + n),
	}, (pdu) => {
		if (!pdu) {
			event('submit_timeout');
			finish();
			return;
		}
		event('submit', { status: pdu.command_status, message_id: String(pdu.message_id || '') });
		submitNext(n + 1);
	});
}

function hold() {
	setTimeout(unbindAndClose, opt.hold * 1000);
}

function unbindAndClose() {
	if (finished)
		return;
	if (!opt.unbind) {
		finish();
		return;
	}
	request('unbind', {}, (pdu) => {
		if (pdu)
			event('unbind', { status: pdu.command_status });
		else
			event('unbind_timeout');
		finish();
	});
}

session.on('connect', () => {
	connected = true;
	event('connect', { local: session.socket.localAddress + ':' + session.socket.localPort });
	const fields = { system_id: Buffer.from(opt.systemId), password: Buffer.from(opt.password) };
	if (opt.interfaceVersion !== undefined)
		fields.interface_version = opt.interfaceVersion;
	request(bindCommand, fields, (pdu) => {
		if (!pdu) {
			event('bind_timeout');
			finish();
			return;
		}
		event('bind', { mode: opt.mode, status: pdu.command_status, system_id: String(pdu.system_id || '') });
		if (pdu.command_status !== 0) {
			finish();
			return;
		}
		submitNext(1);
	});
});
