// A minimal WebAssembly (with SIMD) assembler, enough to write small loop kernels that work
// directly on the tfjs-backend-wasm heap: the module imports that instance's memory. No
// toolchain is needed at build or run time; the bytes are produced when the module loads.
//
// Kernels are written with expression builders: an `Expr` emits code that leaves one value on
// the stack, a statement emits code that leaves none.

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';
export type Expr = () => void;

const VALTYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

function sleb(value: number, out: number[]): void {
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function utf8(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

function vec(items: number[][], out: number[]): void {
  uleb(items.length, out);
  for (const item of items) out.push(...item);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** One function: parameters are locals 0..n-1; `local()` adds more. */
export class Func {
  readonly code: number[] = [];
  readonly params: Local[];
  private readonly extra: ValType[] = [];

  constructor(
    readonly name: string,
    paramTypes: ValType[],
    readonly results: ValType[] = [],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  local(type: ValType): Local {
    const local = { index: this.params.length + this.extra.length, type };
    this.extra.push(type);
    return local;
  }

  /** Encoded body: local declarations, code, end. */
  body(): number[] {
    const groups: number[][] = [];
    for (const type of this.extra) {
      groups.push([1, VALTYPE[type]]);
    }
    const out: number[] = [];
    vec(groups, out);
    out.push(...this.code, 0x0b);
    const sized: number[] = [];
    uleb(out.length, sized);
    return [...sized, ...out];
  }

  emit(...bytes: number[]): void {
    this.code.push(...bytes);
  }

  // ---- values
  get =
    (l: Local): Expr =>
    () => {
      this.emit(0x20);
      uleb(l.index, this.code);
    };

  set(l: Local, value: Expr): void {
    value();
    this.emit(0x21);
    uleb(l.index, this.code);
  }

  i32 =
    (v: number): Expr =>
    () => {
      this.emit(0x41);
      sleb(v, this.code);
    };

  f32 =
    (v: number): Expr =>
    () => {
      this.emit(0x43, ...new Uint8Array(new Float32Array([v]).buffer));
    };

  f64 =
    (v: number): Expr =>
    () => {
      this.emit(0x44, ...new Uint8Array(new Float64Array([v]).buffer));
    };

  private bin =
    (op: number) =>
    (a: Expr, b: Expr): Expr =>
    () => {
      a();
      b();
      this.emit(op);
    };

  private un =
    (op: number) =>
    (a: Expr): Expr =>
    () => {
      a();
      this.emit(op);
    };

  private simdOp(op: number): void {
    this.emit(0xfd);
    uleb(op, this.code);
  }

  private simdBin =
    (op: number) =>
    (a: Expr, b: Expr): Expr =>
    () => {
      a();
      b();
      this.simdOp(op);
    };

  private simdUn =
    (op: number) =>
    (a: Expr): Expr =>
    () => {
      a();
      this.simdOp(op);
    };

  // i32
  add = this.bin(0x6a);
  sub = this.bin(0x6b);
  mul = this.bin(0x6c);
  shl = this.bin(0x74);
  ltS = this.bin(0x48);
  gtS = this.bin(0x4a);
  ltU = this.bin(0x49);
  divU = this.bin(0x6e);
  remU = this.bin(0x70);
  and = this.bin(0x71);
  geS = this.bin(0x4e);
  eqz = this.un(0x45);
  // f32 / f64
  f32Add = this.bin(0x92);
  f32Mul = this.bin(0x94);
  f32Div = this.bin(0x95);
  f32Sqrt = this.un(0x91);
  f32Gt = this.bin(0x5e);
  /** The f32 whose bits are the i32 operand's. */
  f32FromBits = this.un(0xbe);
  f32ConvertI32 = this.un(0xb2);
  f64Add = this.bin(0xa0);
  f64PromoteF32 = this.un(0xbb);
  // v128 (f32x4 unless named otherwise)
  splat = this.simdUn(0x13);
  vAdd = this.simdBin(0xe4);
  vSub = this.simdBin(0xe5);
  vMul = this.simdBin(0xe6);
  vGt = this.simdBin(0x44);
  vAnd = this.simdBin(0x4e);
  vAndNot = this.simdBin(0x4f);
  vOr = this.simdBin(0x50);
  vDiv = this.simdBin(0xe7);
  /** Pseudo-minimum b < a ? b : a (one instruction; NaN in a stays). */
  vPmin = this.simdBin(0xea);
  /** Pseudo-maximum a < b ? b : a (one instruction; NaN in a stays). */
  vPmax = this.simdBin(0xeb);
  vLt = this.simdBin(0x43);
  vAbs = this.simdUn(0xe0);
  vXor = this.simdBin(0x51);
  // v128 as i32x4
  i32x4Splat = this.simdUn(0x11);
  i32x4Add = this.simdBin(0xae);
  /** Lane-wise product modulo 2³² (as Math.imul). */
  i32x4Mul = this.simdBin(0xb5);
  /** Unsigned a < b per lane: all ones or zero. */
  i32x4LtU = this.simdBin(0x3a);
  /** Shifts every i32 lane of a v128 left by an i32 count. */
  i32x4Shl = this.simdBin(0xab);
  /** Shifts every i32 lane right by an i32 count, filling with zeros (as >>>). */
  i32x4ShrU = this.simdBin(0xad);
  f64x2Add = this.simdBin(0xf0);
  /** f64x2 of lanes 0 and 1. */
  promoteLow = this.simdUn(0x5f);

  /** v128 whose lanes 0, 1 are lanes 2, 3 of `a` (the rest don't matter). */
  highHalf =
    (a: Expr): Expr =>
    () => {
      a();
      a();
      this.simdOp(0x0d);
      this.emit(8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    };

  /** cond ? a : b (any value type but v128 here). */
  select =
    (a: Expr, b: Expr, cond: Expr): Expr =>
    () => {
      a();
      b();
      cond();
      this.emit(0x1b);
    };

  bitselect =
    (a: Expr, b: Expr, mask: Expr): Expr =>
    () => {
      a();
      b();
      mask();
      this.simdOp(0x52);
    };

  /** f32 lane `k` of a f32x4. */
  lane =
    (a: Expr, k: number): Expr =>
    () => {
      a();
      this.simdOp(0x1f);
      this.emit(k);
    };

  /** The v128 of four i32 lanes. */
  i32x4Const =
    (lanes: [number, number, number, number]): Expr =>
    () => {
      this.simdOp(0x0c);
      this.emit(...new Uint8Array(new Int32Array(lanes).buffer));
    };

  vZero = (): Expr => () => {
    this.simdOp(0x0c);
    this.emit(...new Array<number>(16).fill(0));
  };

  // ---- memory (byte addresses; align is log2 of the natural alignment hint)
  f32Load =
    (addr: Expr, offset = 0): Expr =>
    () => {
      addr();
      this.emit(0x2a, 2);
      uleb(offset, this.code);
    };

  i32Load =
    (addr: Expr, offset = 0): Expr =>
    () => {
      addr();
      this.emit(0x28, 2);
      uleb(offset, this.code);
    };

  f64Load =
    (addr: Expr, offset = 0): Expr =>
    () => {
      addr();
      this.emit(0x2b, 3);
      uleb(offset, this.code);
    };

  vLoad =
    (addr: Expr, offset = 0): Expr =>
    () => {
      addr();
      this.simdOp(0x00);
      this.emit(4);
      uleb(offset, this.code);
    };

  /** f32x4 with the f32 at addr in every lane. */
  vLoadSplat =
    (addr: Expr, offset = 0): Expr =>
    () => {
      addr();
      this.simdOp(0x09);
      this.emit(2);
      uleb(offset, this.code);
    };

  f32Store(addr: Expr, value: Expr, offset = 0): void {
    addr();
    value();
    this.emit(0x38, 2);
    uleb(offset, this.code);
  }

  f64Store(addr: Expr, value: Expr, offset = 0): void {
    addr();
    value();
    this.emit(0x39, 3);
    uleb(offset, this.code);
  }

  vStore(addr: Expr, value: Expr, offset = 0): void {
    addr();
    value();
    this.simdOp(0x0b);
    this.emit(4);
    uleb(offset, this.code);
  }

  // ---- control
  /** for (i = start; i < end; i += step) body(), with signed i32 compares. */
  forRange(i: Local, start: Expr, end: Expr, step: Expr, body: () => void): void {
    this.set(i, start);
    this.emit(0x02, 0x40, 0x03, 0x40); // block, loop
    this.geS(this.get(i), end)();
    this.emit(0x0d, 1); // br_if out of the block
    body();
    this.set(i, this.add(this.get(i), step));
    this.emit(0x0c, 0, 0x0b, 0x0b); // br loop, end loop, end block
  }

  if(cond: Expr, then: () => void): void {
    cond();
    this.emit(0x04, 0x40);
    then();
    this.emit(0x0b);
  }
}

/** A module of `funcs`, all exported by name, importing `env.memory`. */
export function assemble(funcs: Func[]): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types = funcs.map((f) => {
    const t = [0x60];
    vec(
      f.params.map((p) => [VALTYPE[p.type]]),
      t,
    );
    vec(
      f.results.map((r) => [VALTYPE[r]]),
      t,
    );
    return t;
  });
  const typeSec: number[] = [];
  vec(types, typeSec);
  section(1, typeSec, out);

  const importSec: number[] = [];
  const memImport: number[] = [];
  utf8('env', memImport);
  utf8('memory', memImport);
  memImport.push(0x02, 0x00, 0x01); // memory, limits: min 1 page, no max
  vec([memImport], importSec);
  section(2, importSec, out);

  const funcSec: number[] = [];
  vec(
    funcs.map((_, i) => {
      const b: number[] = [];
      uleb(i, b);
      return b;
    }),
    funcSec,
  );
  section(3, funcSec, out);

  const exportSec: number[] = [];
  vec(
    funcs.map((f, i) => {
      const b: number[] = [];
      utf8(f.name, b);
      b.push(0x00);
      uleb(i, b);
      return b;
    }),
    exportSec,
  );
  section(7, exportSec, out);

  const codeSec: number[] = [];
  vec(
    funcs.map((f) => f.body()),
    codeSec,
  );
  section(10, codeSec, out);
  return new Uint8Array(out);
}
