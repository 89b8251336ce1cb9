/**
 * A restricted unpickler for PyTorch checkpoints (the `data.pkl` inside a `torch.save` zip). It implements
 * the pickle virtual machine for protocols 0–5 (CPython `Lib/pickle.py`, `Lib/pickletools.py` document the
 * opcodes) but never imports or calls anything: a GLOBAL is looked up in a fixed allow-list of what a
 * `weights_only` state dict contains — tensor rebuilds (`torch._utils._rebuild_tensor_v2` and friends),
 * typed storages, `collections.OrderedDict` — and any other name (os.system, builtins.eval, a custom class)
 * stops the load with a UserError naming it. Containers (dict, list, tuple) and primitives are built as
 * plain JS values. The same idea as PyTorch's own `torch/_weights_only_unpickler.py`.
 *
 * Result values: number | bigint | string | boolean | null | Uint8Array (bytes) | PyList (array) | PyTuple |
 * PyDict (Map) | TensorRef | StorageRef.
 */
import { UserError } from '../../core/errors';

/** torch storage dtypes we can read, by the storage class name torch pickles. */
export const STORAGE_DTYPES: Record<string, { dtype: string; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

export class PyTuple {
  constructor(readonly items: unknown[]) {}
}
export type PyDict = Map<unknown, unknown>;

/** A storage referenced by a persistent id ('storage', torch.FloatStorage, key, location, numel). */
export class StorageRef {
  constructor(
    readonly dtype: string,
    readonly bytesPerItem: number,
    readonly key: string,
    readonly numel: number,
  ) {}
}

/** A tensor view on a storage (torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)). */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** A callable named by GLOBAL that the allow-list accepts. */
class AllowedGlobal {
  constructor(
    readonly name: string,
    readonly call: ((args: unknown[]) => unknown) | null,
  ) {}
}


function refuse(name: string): never {
  throw new UserError(
    `Refused to load this .pt file: its pickle names the Python global "${name}", which is not a tensor, storage or container. ` +
      'Only weights-only checkpoints (tensors, storages, OrderedDict, dict, list, tuple, numbers, strings) are read, and nothing in the file is ever executed; ' +
      'save a plain state_dict (torch.save(model.state_dict(), …)) or a dict of them.',
  );
}

function bad(what: string, pos: number): never {
  throw new UserError(`This .pt file's pickle (data.pkl) is corrupt: ${what} at byte ${pos}. Re-save it with torch.save.`);
}

function intList(x: unknown, what: string): number[] {
  const items = x instanceof PyTuple ? x.items : Array.isArray(x) ? x : null;
  if (!items || !items.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
    throw new UserError(`This .pt file holds a tensor whose ${what} is not a tuple of non-negative integers.`);
  }
  return items as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new UserError('This .pt file rebuilds a tensor from something that is not a storage.');
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new UserError('This .pt file holds a tensor with a bad storage offset.');
  const shape = intList(size, 'size');
  const strides = intList(stride, 'stride');
  if (shape.length !== strides.length) throw new UserError('This .pt file holds a tensor whose size and stride differ in length.');
  let last = offset;
  for (let i = 0; i < shape.length; i++) if (shape[i] > 0) last += (shape[i] - 1) * strides[i];
  if (shape.every((d) => d > 0) && last >= storage.numel) {
    throw new UserError(`This .pt file holds a tensor [${shape.join(', ')}] reaching past the end of its storage "${storage.key}" (${storage.numel} elements).`);
  }
  return new TensorRef(storage, offset, shape, strides);
}

function makeGlobals(): Map<string, AllowedGlobal> {
  const g = new Map<string, AllowedGlobal>();
  const fn = (name: string, call: (args: unknown[]) => unknown) => g.set(name, new AllowedGlobal(name, call));
  fn('collections.OrderedDict', (args) => {
    if (args.length > 0) refuse('collections.OrderedDict with arguments');
    return new Map();
  });
  fn('torch._utils._rebuild_tensor_v2', rebuildTensor);
  fn('torch._utils._rebuild_tensor', rebuildTensor);
  // nn.Parameter saved directly: (tensor, requires_grad, backward_hooks)
  fn('torch._utils._rebuild_parameter', (args) => {
    if (!(args[0] instanceof TensorRef)) throw new UserError('This .pt file rebuilds a parameter from something that is not a tensor.');
    return args[0];
  });
  fn('torch._utils._rebuild_parameter_with_state', (args) => {
    if (!(args[0] instanceof TensorRef)) throw new UserError('This .pt file rebuilds a parameter from something that is not a tensor.');
    return args[0];
  });
  for (const s of Object.keys(STORAGE_DTYPES)) g.set(`torch.${s}`, new AllowedGlobal(`torch.${s}`, null));
  return g;
}

const GLOBALS = makeGlobals();

/** Unpickles `bytes` with the allow-list above; persistent ids become StorageRefs. */
export function restrictedUnpickle(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8');
  let pos = 0;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number) => {
    if (pos + n > bytes.length) bad(`the data ends inside an opcode (needs ${n} more bytes)`, pos);
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) bad('a length beyond 2^53', pos);
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) bad('a text line without its newline', pos);
    const s = dec.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) bad('the stack is empty', pos);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) bad('the stack is empty', pos);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) bad('a MARK is missing', pos);
    stack = prev;
    return items;
  };
  const findGlobal = (module: string, name: string) => {
    const full = `${module}.${name}`;
    const g = GLOBALS.get(full);
    if (!g) refuse(full);
    return g;
  };
  const setItems = (dict: unknown, kv: unknown[]) => {
    if (!(dict instanceof Map)) bad('SETITEM on something that is not a dict', pos);
    if (kv.length % 2 !== 0) bad('an odd number of dict items', pos);
    for (let i = 0; i < kv.length; i += 2) dict.set(hashable(kv[i]), kv[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) bad('APPEND on something that is not a list', pos);
    list.push(...items);
  };
  const bigLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP '.'
        if (stack.length !== 1) bad(`STOP with ${stack.length} values on the stack`, at);
        return stack[0];
      case 0x28: // MARK '('
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP '0'
        pop();
        break;
      case 0x31: // POP_MARK '1'
        popMark();
        break;
      case 0x32: // DUP '2'
        stack.push(top());
        break;
      case 0x4e: // NONE 'N'
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT 'J'
        stack.push(i32());
        break;
      case 0x4b: // BININT1 'K'
        stack.push(u8());
        break;
      case 0x4d: // BININT2 'M'
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(bigLong(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(bigLong(take(u32())));
        break;
      case 0x49: {
        // INT 'I' (text; '01'/'00' are True/False)
        const s = line();
        if (s === '01' || s === '00') stack.push(s === '01');
        else if (/^-?\d+$/.test(s)) stack.push(Number(s));
        else bad(`INT "${s}"`, at);
        break;
      }
      case 0x4c: {
        // LONG 'L' (text)
        const s = line().replace(/L$/, '');
        if (!/^-?\d+$/.test(s)) bad(`LONG "${s}"`, at);
        const v = BigInt(s);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x46: {
        // FLOAT 'F' (text)
        const v = Number(line());
        stack.push(v);
        break;
      }
      case 0x47: // BINFLOAT 'G' (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE 'X'
        stack.push(dec.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(dec.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(dec.decode(take(u64())));
        break;
      case 0x56: // UNICODE 'V' (raw-unicode-escape text; ASCII in practice)
        stack.push(line());
        break;
      case 0x55: // SHORT_BINSTRING 'U'
        stack.push(dec.decode(take(u8())));
        break;
      case 0x54: // BINSTRING 'T'
        stack.push(dec.decode(take(i32())));
        break;
      case 0x53: {
        // STRING 'S' (quoted text)
        const s = line();
        stack.push(s.replace(/^(['"])(.*)\1$/, '$2'));
        break;
      }
      case 0x43: // SHORT_BINBYTES 'C'
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES 'B'
        stack.push(take(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x7d: // EMPTY_DICT '}'
        stack.push(new Map());
        break;
      case 0x64: // DICT 'd'
        {
          const items = popMark();
          const d = new Map();
          setItems(d, items);
          stack.push(d);
        }
        break;
      case 0x5d: // EMPTY_LIST ']'
        stack.push([]);
        break;
      case 0x6c: {
        // LIST 'l' (popMark first: it swaps `stack`)
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x29: // EMPTY_TUPLE ')'
        stack.push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE 't'
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      }
      case 0x73: {
        // SETITEM 's'
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS 'u'
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND 'a'
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS 'e'
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x70: // PUT 'p'
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT 'q'
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT 'r'
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET 'g'
      case 0x68: // BINGET 'h'
      case 0x6a: {
        // LONG_BINGET 'j'
        const idx = op === 0x67 ? Number(line()) : op === 0x68 ? u8() : u32();
        if (!memo.has(idx)) bad(`memo entry ${idx} is missing`, at);
        stack.push(memo.get(idx));
        break;
      }
      case 0x63: {
        // GLOBAL 'c'
        const module = line();
        const name = line();
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('STACK_GLOBAL without two strings', at);
        stack.push(findGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE 'R'
        const args = pop();
        const callable = pop();
        if (!(callable instanceof AllowedGlobal)) bad('REDUCE of something that is not an allowed global', at);
        if (!callable.call) refuse(`${callable.name}(…) as a call`);
        if (!(args instanceof PyTuple)) bad('REDUCE arguments are not a tuple', at);
        stack.push(callable.call(args.items));
        break;
      }
      case 0x62: {
        // BUILD 'b': only the OrderedDict `_metadata` attribute torch attaches to a state_dict is accepted (ignored).
        const state = pop();
        const obj = top();
        if (!(obj instanceof Map) && !(obj instanceof TensorRef)) bad('BUILD on an object that is not a dict or tensor', at);
        if (state !== null && !(state instanceof Map) && !(state instanceof PyTuple)) bad('BUILD with a state that is not a dict', at);
        break;
      }
      case 0x51: {
        // BINPERSID 'Q'
        stack.push(persistent(pop(), at));
        break;
      }
      case 0x50: // PERSID 'P'
        bad('a text persistent id (not written by torch.save)', at);
        break;
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
      case 0x6f: // OBJ 'o'
      case 0x69: {
        // INST 'i'
        const name = op === 0x69 ? `${line()}.${line()}` : 'an object constructor (NEWOBJ/OBJ)';
        refuse(name);
        break;
      }
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        refuse('a copyreg extension code');
        break;
      case 0x8f: // EMPTY_SET
      case 0x90: // ADDITEMS
      case 0x91: // FROZENSET
      case 0x96: // BYTEARRAY8
      case 0x97: // NEXT_BUFFER
      case 0x98: // READONLY_BUFFER
        bad(`opcode 0x${op.toString(16)} (sets and out-of-band buffers do not occur in a state dict)`, at);
        break;
      default:
        bad(`unknown opcode 0x${op.toString(16)}`, at);
    }
  }

  function persistent(pid: unknown, at: number): StorageRef {
    const t = pid instanceof PyTuple ? pid.items : null;
    if (!t || t[0] !== 'storage' || t.length < 5) bad('a persistent id that is not a torch storage', at);
    const [, cls, key, , numel] = t;
    if (!(cls instanceof AllowedGlobal) || !cls.name.startsWith('torch.') || cls.call !== null) bad('a storage of an unknown type', at);
    const info = STORAGE_DTYPES[cls.name.slice('torch.'.length)];
    if (typeof key !== 'string' || typeof numel !== 'number') bad('a storage id without key and size', at);
    return new StorageRef(info.dtype, info.bytes, key, numel);
  }
}

/** Dict keys: primitives stay as they are; tuples become a string so Map lookups work. */
function hashable(k: unknown): unknown {
  if (k instanceof PyTuple) return `(${k.items.map(String).join(', ')})`;
  return k;
}
