;; Skips a nested JSON value for scanRequestHead (json-scan.ts): the part of an 80 KB request
;; that is neither a top-level key nor a top-level scalar (a Claude Code turn's messages, system
;; blocks and tools: ~78 KB of ~82 KB). The JavaScript scan found each string's closing quote
;; with one Buffer#indexOf call, ~175 instructions a string before it searched
;; (docs/benchmark.md, "Fifteenth round"); here the next quote or bracket is found 16 bytes at a
;; time and a string's closing quote 64 bytes at a time, with SIMD, and nothing is called per
;; string. The proxy compiles this module with TurboFan (proxy/main.ts): as Liftoff's code it saves
;; nothing over the JavaScript loop.
;;
;; It does exactly what the JavaScript loop did below the top level, and nothing more: strings
;; are skipped (a quote preceded by an even number of backslashes closes one), brackets are
;; counted, and a "signature" key holding an empty string is noticed. Commas, scalars and keys
;; mean nothing there.
;;
;; The body's bytes are at offset 0 of the memory, `length` of them; the caller keeps at least
;; 64 bytes of memory past them (a search reads 64 bytes at a time).
;;
;; The same module checks a translated request's tool schemas against JSON's grammar
;; (validateValue, at the end), so they need not be parsed (tool-schemas.ts).
;;
;; Built into nested-value-skip-wasm.ts by `npm run assemble-wasm` (wabt's wat2wasm).
(module
  (memory (export "memory") 2)

  ;; Past JSON white space (space, line feed, carriage return, tab) from $at.
  (func $skipWhiteSpace (param $at i32) (param $length i32) (result i32)
    (local $byte i32)
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $at) (local.get $length)))
        (local.set $byte (i32.load8_u (local.get $at)))
        (br_if $done
          (i32.eqz
            (i32.or
              (i32.or (i32.eq (local.get $byte) (i32.const 0x20)) (i32.eq (local.get $byte) (i32.const 0x0a)))
              (i32.or (i32.eq (local.get $byte) (i32.const 0x0d)) (i32.eq (local.get $byte) (i32.const 0x09))))))
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (br $bytes)))
    (local.get $at))

  ;; The string from $start to $end (its quotes, 10 bytes apart) is `signature`, and a colon and `""` follow it,
  ;; white space allowed around the colon (json-scan.ts's emptyStringFollows).
  (func $emptySignature (param $start i32) (param $end i32) (param $length i32) (result i32)
    (local $at i32)
    ;; "signatur" read as a little-endian 64-bit number, then the "e".
    (if (i64.ne (i64.load align=1 (i32.add (local.get $start) (i32.const 1))) (i64.const 0x727574616e676973)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (i32.add (local.get $start) (i32.const 9))) (i32.const 0x65)) (then (return (i32.const 0))))
    (local.set $at (call $skipWhiteSpace (i32.add (local.get $end) (i32.const 1)) (local.get $length)))
    (if (i32.ge_u (local.get $at) (local.get $length)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (local.get $at)) (i32.const 0x3a)) (then (return (i32.const 0))))
    (local.set $at (call $skipWhiteSpace (i32.add (local.get $at) (i32.const 1)) (local.get $length)))
    (i32.and
      (i32.lt_u (i32.add (local.get $at) (i32.const 1)) (local.get $length))
      (i32.and
        (i32.eq (i32.load8_u (local.get $at)) (i32.const 34))
        (i32.eq (i32.load8_u (i32.add (local.get $at) (i32.const 1))) (i32.const 34)))))

;; Skips the object or array whose opening bracket is at $start (a top-level member's value,
  ;; so the depth inside it is 2). Returns (code << 1) | signature: code 0 when the scan must
  ;; stop (a string never closes, or the bytes end first), else the offset of the bracket that
  ;; closes the value plus one; signature is 1 when an empty "signature" was seen on the way.
  ;; One function, the string search written into its loop: a call per string (the search and
  ;; the closing quote's check as functions of their own) was ~100 instructions of a string's
  ;; ~200 under callgrind.
  (func (export "skipNested") (param $start i32) (param $length i32) (result i32)
    (local $index i32)
    (local $depth i32)
    (local $byte i32)
    (local $from i32)
    (local $found i32)
    (local $end i32)
    (local $backslashes i32)
    (local $signature i32)
    (local $quotes v128)
    (local $first v128)
    (local $second v128)
    (local $third v128)
    (local $fourth v128)
    (local $block v128)
    (local $folded v128)
    (local $bit20 v128)
    (local $opens v128)
    (local $closes v128)
    (local.set $quotes (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
    (local.set $bit20 (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
    (local.set $opens (v128.const i8x16 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b 0x7b))
    (local.set $closes (v128.const i8x16 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d 0x7d))
    (local.set $index (i32.add (local.get $start) (i32.const 1)))
    (local.set $depth (i32.const 2))
    (block $stop
      (loop $tokens
        ;; The next quote or bracket, 16 bytes at a time: the colons, commas, white space,
        ;; numbers and literals between two strings are passed in one step, not byte by byte.
        (local.set $block (v128.load align=1 (local.get $index)))
        (local.set $folded (v128.or (local.get $block) (local.get $bit20)))
        (local.set $found
          (i8x16.bitmask
            (v128.or
              (i8x16.eq (local.get $block) (local.get $quotes))
              (v128.or (i8x16.eq (local.get $folded) (local.get $opens)) (i8x16.eq (local.get $folded) (local.get $closes))))))
        (if (i32.eqz (local.get $found))
          (then
            (local.set $index (i32.add (local.get $index) (i32.const 16)))
            (br_if $stop (i32.ge_u (local.get $index) (local.get $length)))
            (br $tokens)))
        (local.set $index (i32.add (local.get $index) (i32.ctz (local.get $found))))
        (br_if $stop (i32.ge_u (local.get $index) (local.get $length)))
        (local.set $byte (i32.load8_u (local.get $index)))
        (if (i32.eq (local.get $byte) (i32.const 34))
          (then
            ;; The string's closing quote: the first quote after an even number of backslashes
            ;; (the string's own opening quote stops the count), or the last byte when none is
            ;; (as json-scan.ts's stringEnd). Searched 64 bytes at a time, one test of four
            ;; 16-byte compares; bytes past the end are whatever an earlier body left, so a
            ;; quote found there is none.
            (local.set $from (i32.add (local.get $index) (i32.const 1)))
            (block $closed
              (loop $search
                (if (i32.ge_u (local.get $from) (local.get $length))
                  (then
                    (local.set $end (i32.sub (local.get $length) (i32.const 1)))
                    (br $closed)))
                (local.set $first (i8x16.eq (v128.load align=1 (local.get $from)) (local.get $quotes)))
                (local.set $second (i8x16.eq (v128.load offset=16 align=1 (local.get $from)) (local.get $quotes)))
                (local.set $third (i8x16.eq (v128.load offset=32 align=1 (local.get $from)) (local.get $quotes)))
                (local.set $fourth (i8x16.eq (v128.load offset=48 align=1 (local.get $from)) (local.get $quotes)))
                (if (v128.any_true (v128.or (v128.or (local.get $first) (local.get $second)) (v128.or (local.get $third) (local.get $fourth))))
                  (then
                    (local.set $found
                      (i32.add
                        (local.get $from)
                        (i32.wrap_i64
                          (i64.ctz
                            (i64.or
                              (i64.or
                                (i64.extend_i32_u (i8x16.bitmask (local.get $first)))
                                (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $second))) (i64.const 16)))
                              (i64.or
                                (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $third))) (i64.const 32))
                                (i64.shl (i64.extend_i32_u (i8x16.bitmask (local.get $fourth))) (i64.const 48))))))))
                    (if (i32.ge_u (local.get $found) (local.get $length))
                      (then
                        (local.set $end (i32.sub (local.get $length) (i32.const 1)))
                        (br $closed)))
                    (local.set $backslashes (i32.const 0))
                    (block $counted
                      (loop $count
                        (br_if $counted
                          (i32.ne (i32.load8_u (i32.sub (i32.sub (local.get $found) (i32.const 1)) (local.get $backslashes))) (i32.const 92)))
                        (local.set $backslashes (i32.add (local.get $backslashes) (i32.const 1)))
                        (br $count)))
                    (if (i32.eqz (i32.and (local.get $backslashes) (i32.const 1)))
                      (then
                        (local.set $end (local.get $found))
                        (br $closed)))
                    (local.set $from (i32.add (local.get $found) (i32.const 1)))
                    (br $search)))
                (local.set $from (i32.add (local.get $from) (i32.const 64)))
                (br $search)))
            (br_if $stop
              (i32.and
                (i32.ge_u (local.get $end) (i32.sub (local.get $length) (i32.const 1)))
                (i32.ne (i32.load8_u (local.get $end)) (i32.const 34))))
            (if (i32.eq (i32.sub (local.get $end) (local.get $index)) (i32.const 10))
              (then
                (if (call $emptySignature (local.get $index) (local.get $end) (local.get $length))
                  (then (local.set $signature (i32.const 1))))))
            (local.set $index (i32.add (local.get $end) (i32.const 1)))
            (br_if $stop (i32.ge_u (local.get $index) (local.get $length)))
            (br $tokens)))
        ;; A bracket: `{` and `[` differ only in the bit 0x20, as do `}` and `]`.
        (if (i32.eq (i32.or (local.get $byte) (i32.const 0x20)) (i32.const 0x7b))
          (then (local.set $depth (i32.add (local.get $depth) (i32.const 1))))
          (else
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (if (i32.eq (local.get $depth) (i32.const 1))
              (then
                (return
                  (i32.or
                    (i32.shl (i32.add (local.get $index) (i32.const 1)) (i32.const 1))
                    (local.get $signature)))))))
        (local.set $index (i32.add (local.get $index) (i32.const 1)))
        (br_if $stop (i32.ge_u (local.get $index) (local.get $length)))
        (br $tokens)))
    (local.get $signature))

  ;; Validation of a tool's JSON Schema cut out of a translated request's parse (tool-schemas.ts):
  ;; JSON.parse built the schemas' small objects and keys at ~35 instructions a byte, more than
  ;; half of the parse of a Claude Code turn, where the Chat request only copies their bytes. A
  ;; schema that is not JSON must still be refused as before, so its bytes are checked here
  ;; against JSON's grammar without building anything (docs/benchmark.md, "Seventeenth round").

  ;; Past the closing quote of the string whose opening quote is at $at, 0 when it does not close
  ;; before $end or holds what JSON.parse refuses (a control character, an unknown escape, a
  ;; \u without four hexadecimal digits). The next quote, backslash or control character is
  ;; found 16 bytes at a time; bytes past $end are whatever the memory holds, so one found there
  ;; is none.
  (func $stringEnd (param $at i32) (param $end i32) (result i32)
    (local $found i32)
    (local $block v128)
    (local $byte i32)
    (local $digit i32)
    (local $count i32)
    (local.set $at (i32.add (local.get $at) (i32.const 1)))
    (loop $search
      (if (i32.ge_u (local.get $at) (local.get $end)) (then (return (i32.const 0))))
      (local.set $block (v128.load align=1 (local.get $at)))
      (local.set $found
        (i8x16.bitmask
          (v128.or
            (v128.or
              (i8x16.eq (local.get $block) (v128.const i8x16 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34 34))
              (i8x16.eq (local.get $block) (v128.const i8x16 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92 92)))
            (i8x16.lt_u (local.get $block) (v128.const i8x16 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32 32)))))
      (if (i32.eqz (local.get $found))
        (then
          (local.set $at (i32.add (local.get $at) (i32.const 16)))
          (br $search)))
      (local.set $at (i32.add (local.get $at) (i32.ctz (local.get $found))))
      (if (i32.ge_u (local.get $at) (local.get $end)) (then (return (i32.const 0))))
      (local.set $byte (i32.load8_u (local.get $at)))
      (if (i32.eq (local.get $byte) (i32.const 34)) (then (return (i32.add (local.get $at) (i32.const 1)))))
      (if (i32.lt_u (local.get $byte) (i32.const 32)) (then (return (i32.const 0))))
      ;; A backslash: the escape after it.
      (if (i32.ge_u (i32.add (local.get $at) (i32.const 1)) (local.get $end)) (then (return (i32.const 0))))
      (local.set $byte (i32.load8_u (i32.add (local.get $at) (i32.const 1))))
      (if (i32.eq (local.get $byte) (i32.const 0x75))
        (then
          (if (i32.gt_u (i32.add (local.get $at) (i32.const 6)) (local.get $end)) (then (return (i32.const 0))))
          (local.set $count (i32.const 2))
          (loop $hex
            (local.set $digit (i32.load8_u (i32.add (local.get $at) (local.get $count))))
            (if (i32.eqz
                  (i32.or
                    (i32.lt_u (i32.sub (local.get $digit) (i32.const 0x30)) (i32.const 10))
                    (i32.lt_u (i32.sub (i32.or (local.get $digit) (i32.const 0x20)) (i32.const 0x61)) (i32.const 6))))
              (then (return (i32.const 0))))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (br_if $hex (i32.lt_u (local.get $count) (i32.const 6))))
          (local.set $at (i32.add (local.get $at) (i32.const 6)))
          (br $search)))
      ;; " \ / b f n r t
      (if (i32.or
            (i32.or
              (i32.or (i32.eq (local.get $byte) (i32.const 34)) (i32.eq (local.get $byte) (i32.const 92)))
              (i32.or (i32.eq (local.get $byte) (i32.const 0x2f)) (i32.eq (local.get $byte) (i32.const 0x62))))
            (i32.or
              (i32.or (i32.eq (local.get $byte) (i32.const 0x66)) (i32.eq (local.get $byte) (i32.const 0x6e)))
              (i32.or (i32.eq (local.get $byte) (i32.const 0x72)) (i32.eq (local.get $byte) (i32.const 0x74)))))
        (then
          (local.set $at (i32.add (local.get $at) (i32.const 2)))
          (br $search))))
    (i32.const 0))

  ;; A decimal digit at $at, before $end.
  (func $digitAt (param $at i32) (param $end i32) (result i32)
    (i32.and
      (i32.lt_u (local.get $at) (local.get $end))
      (i32.lt_u (i32.sub (i32.load8_u (local.get $at)) (i32.const 0x30)) (i32.const 10))))

  ;; Past the number that starts at $at (JSON's grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?),
  ;; 0 when none starts there.
  (func $numberEnd (param $at i32) (param $end i32) (result i32)
    (local $digits i32)
    (if (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2d)) (then (local.set $at (i32.add (local.get $at) (i32.const 1)))))
    (if (i32.eqz (call $digitAt (local.get $at) (local.get $end))) (then (return (i32.const 0))))
    (if (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x30))
      (then (local.set $at (i32.add (local.get $at) (i32.const 1))))
      (else
        (loop $integer
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (br_if $integer (call $digitAt (local.get $at) (local.get $end))))))
    (if (i32.and (i32.lt_u (local.get $at) (local.get $end)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2e)))
      (then
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (local.set $digits (local.get $at))
        (block $fraction
          (loop $more
            (br_if $fraction (i32.eqz (call $digitAt (local.get $at) (local.get $end))))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $more)))
        (if (i32.eq (local.get $at) (local.get $digits)) (then (return (i32.const 0))))))
    (if (i32.and (i32.lt_u (local.get $at) (local.get $end)) (i32.eq (i32.or (i32.load8_u (local.get $at)) (i32.const 0x20)) (i32.const 0x65)))
      (then
        (local.set $at (i32.add (local.get $at) (i32.const 1)))
        (if (i32.and
              (i32.lt_u (local.get $at) (local.get $end))
              (i32.or (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2b)) (i32.eq (i32.load8_u (local.get $at)) (i32.const 0x2d))))
          (then (local.set $at (i32.add (local.get $at) (i32.const 1)))))
        (local.set $digits (local.get $at))
        (block $exponent
          (loop $more
            (br_if $exponent (i32.eqz (call $digitAt (local.get $at) (local.get $end))))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $more)))
        (if (i32.eq (local.get $at) (local.get $digits)) (then (return (i32.const 0))))))
    (local.get $at))

  ;; Checks the JSON value that begins at $start and finds its end: the offset past it when the
  ;; bytes up to there are one value JSON.parse takes, 0 when they are not (or $end comes first),
  ;; -1 when the value nests deeper than 64 levels (the caller skips and parses it then). Nothing
  ;; is built: a state and a stack of 64 bits, 1 for an object, 0 for an array.
  (func (export "validateValue") (param $start i32) (param $end i32) (result i32)
    (local $at i32)
    (local $byte i32)
    ;; 0 a value, 1 a key or `}`, 2 a key, 3 a colon, 4 a comma or a closing bracket, 5 a value or `]`.
    (local $state i32)
    (local $kinds i64)
    (local $depth i32)
    (local.set $at (local.get $start))
    (block $refuse
      (loop $bytes
        (br_if $refuse (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $byte (i32.load8_u (local.get $at)))
        (if (i32.or
              (i32.or (i32.eq (local.get $byte) (i32.const 0x20)) (i32.eq (local.get $byte) (i32.const 0x0a)))
              (i32.or (i32.eq (local.get $byte) (i32.const 0x0d)) (i32.eq (local.get $byte) (i32.const 0x09))))
          (then
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $bytes)))
        (block $valueEnded
          (block $value
            (block $key
              (block $colon
                (block $after
                  (br_table $value $key $key $colon $after $value (local.get $state)))
                ;; State 4: a comma, or the bracket that closes the object or array around.
                (if (i32.eq (local.get $byte) (i32.const 0x2c))
                  (then
                    (local.set $at (i32.add (local.get $at) (i32.const 1)))
                    (local.set $state (select (i32.const 2) (i32.const 0) (i32.wrap_i64 (i64.and (local.get $kinds) (i64.const 1)))))
                    (br $bytes)))
                (br_if $refuse
                  (i32.eqz
                    (i32.or
                      (i32.and (i32.eq (local.get $byte) (i32.const 0x7d)) (i32.wrap_i64 (i64.and (local.get $kinds) (i64.const 1))))
                      (i32.and (i32.eq (local.get $byte) (i32.const 0x5d)) (i32.eqz (i32.wrap_i64 (i64.and (local.get $kinds) (i64.const 1))))))))
                (local.set $kinds (i64.shr_u (local.get $kinds) (i64.const 1)))
                (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
                (local.set $at (i32.add (local.get $at) (i32.const 1)))
                (br $valueEnded))
              ;; State 3: the colon after a key.
              (br_if $refuse (i32.ne (local.get $byte) (i32.const 0x3a)))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))
              (local.set $state (i32.const 0))
              (br $bytes))
            ;; States 1 and 2: a key, or (1, right after `{`) the brace that closes an empty object.
            (if (i32.eq (local.get $byte) (i32.const 34))
              (then
                (local.set $at (call $stringEnd (local.get $at) (local.get $end)))
                (br_if $refuse (i32.eqz (local.get $at)))
                (local.set $state (i32.const 3))
                (br $bytes)))
            (br_if $refuse (i32.or (i32.ne (local.get $state) (i32.const 1)) (i32.ne (local.get $byte) (i32.const 0x7d))))
            (local.set $kinds (i64.shr_u (local.get $kinds) (i64.const 1)))
            (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
            (local.set $at (i32.add (local.get $at) (i32.const 1)))
            (br $valueEnded))
          ;; States 0 and 5: a value, or (5, right after `[`) the bracket that closes an empty array.
          (if (i32.eq (local.get $byte) (i32.const 34))
            (then
              (local.set $at (call $stringEnd (local.get $at) (local.get $end)))
              (br_if $refuse (i32.eqz (local.get $at)))
              (br $valueEnded)))
          (if (i32.eq (i32.or (local.get $byte) (i32.const 0x20)) (i32.const 0x7b))
            (then
              (if (i32.eq (local.get $depth) (i32.const 64)) (then (return (i32.const -1))))
              (local.set $kinds (i64.or (i64.shl (local.get $kinds) (i64.const 1)) (i64.extend_i32_u (i32.eq (local.get $byte) (i32.const 0x7b)))))
              (local.set $depth (i32.add (local.get $depth) (i32.const 1)))
              (local.set $state (select (i32.const 1) (i32.const 5) (i32.eq (local.get $byte) (i32.const 0x7b))))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))
              (br $bytes)))
          (if (i32.eq (local.get $byte) (i32.const 0x5d))
            (then
              (br_if $refuse (i32.ne (local.get $state) (i32.const 5)))
              (local.set $kinds (i64.shr_u (local.get $kinds) (i64.const 1)))
              (local.set $depth (i32.sub (local.get $depth) (i32.const 1)))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))
              (br $valueEnded)))
          ;; true, false, null: their bytes read as one little-endian number.
          (if (i32.eq (local.get $byte) (i32.const 0x74))
            (then
              (br_if $refuse (i32.gt_u (i32.add (local.get $at) (i32.const 4)) (local.get $end)))
              (br_if $refuse (i32.ne (i32.load align=1 (local.get $at)) (i32.const 0x65757274)))
              (local.set $at (i32.add (local.get $at) (i32.const 4)))
              (br $valueEnded)))
          (if (i32.eq (local.get $byte) (i32.const 0x66))
            (then
              (br_if $refuse (i32.gt_u (i32.add (local.get $at) (i32.const 5)) (local.get $end)))
              (br_if $refuse (i32.ne (i32.load align=1 (i32.add (local.get $at) (i32.const 1))) (i32.const 0x65736c61)))
              (local.set $at (i32.add (local.get $at) (i32.const 5)))
              (br $valueEnded)))
          (if (i32.eq (local.get $byte) (i32.const 0x6e))
            (then
              (br_if $refuse (i32.gt_u (i32.add (local.get $at) (i32.const 4)) (local.get $end)))
              (br_if $refuse (i32.ne (i32.load align=1 (local.get $at)) (i32.const 0x6c6c756e)))
              (local.set $at (i32.add (local.get $at) (i32.const 4)))
              (br $valueEnded)))
          (local.set $at (call $numberEnd (local.get $at) (local.get $end)))
          (br_if $refuse (i32.eqz (local.get $at))))
        ;; A value ended at $at: the outermost one ends the check, an inner one wants a comma or a bracket next.
        (if (i32.eqz (local.get $depth)) (then (return (local.get $at))))
        (local.set $state (i32.const 4))
        (br $bytes)))
    (i32.const 0)))
