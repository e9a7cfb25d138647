#!/usr/bin/env python3
"""Kafka message codec generator (STYLE.md §9). Standard library only.

Reads our own compact definitions (protocols/kafka/api/*.def, format in
protocols/kafka/api/README.md) and writes, for each API <stem>:
  <stem>.h  structs of the request and the response, decode/write prototypes
  <stem>.c  kafka_<stem>_req_decode (every version of the definition) and
            kafka_<stem>_resp_write (the kafka_body_fn shape)
and, for all of them:
  kafka_api_table.c  the {key, name, min, max, codec_min, codec_max, flex_min} table
  kafka_handlers.c   kafka_handler_for(key): the handler of each API

  kafka_gen.py --out DIR DEF...             generate
  kafka_gen.py --check SCHEMA_DIR DEF...    compare with Apache Kafka's JSON schemas
"""
import argparse
import json
import os
import re
import sys

PRIMS = {
    # type: (C type, fixed wire size or None)
    'bool': ('bool', 1),
    'int8': ('int8_t', 1),
    'int16': ('int16_t', 2),
    'uint16': ('uint16_t', 2),
    'int32': ('int32_t', 4),
    'int64': ('int64_t', 8),
    'float64': ('double', 8),
    'uuid': ('kafka_uuid_t', 16),
    'string': ('trib_slice_t', None),
    'bytes': ('trib_slice_t', None),
    'records': ('trib_slice_t', None),
}
INF = 1 << 15


class DefError(Exception):
    pass


def parse_range(text, where):
    """'3+', '0-4', '5' or 'none' -> (lo, hi) with hi inclusive, or None."""
    if text == 'none':
        return None
    m = re.fullmatch(r'(\d+)\+', text)
    if m:
        return (int(m.group(1)), INF)
    m = re.fullmatch(r'(\d+)-(\d+)', text)
    if m and int(m.group(1)) <= int(m.group(2)):
        return (int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r'(\d+)', text)
    if m:
        return (int(m.group(1)), int(m.group(1)))
    raise DefError(f'{where}: bad version range {text!r}')


def clip(r, lo, hi):
    if r is None:
        return None
    a, b = max(r[0], lo), min(r[1], hi)
    return (a, b) if a <= b else None


def inside(v, r):
    return r is not None and r[0] <= v <= r[1]


class Field:
    def __init__(self, name, typ, attrs, doc, where):
        self.name = name
        self.doc = doc
        self.where = where
        self.array = typ.startswith('[]')
        self.type = typ[2:] if self.array else typ
        self.struct = None if self.type in PRIMS else self.type
        self.vr = parse_range(attrs.pop('v', '0+'), where)
        self.nullr = parse_range(attrs.pop('null', 'none'), where)
        self.tag = int(attrs['tag']) if 'tag' in attrs else None
        attrs.pop('tag', None)
        self.default = attrs.pop('default', None)
        self.max = attrs.pop('max', 'KAFKA_MAX_ARRAY')
        if attrs:
            raise DefError(f'{where}: unknown attributes {sorted(attrs)}')
        if self.struct and self.default is not None:
            raise DefError(f'{where}: a struct field takes no default')
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise DefError(f'{where}: bad field name {self.name!r}')


class Struct:
    def __init__(self, name):
        self.name = name
        self.fields = []

    @property
    def ctype(self):
        return f'kafka_{self.name}_t'


class Api:
    def __init__(self, stem):
        self.stem = stem
        self.structs = {}  # name -> Struct, every struct of both messages
        self.order = {'request': [], 'response': []}  # struct names, dependencies first

    def flex(self, v):
        return inside(v, self.flexr)


def tokenize_attrs(tokens, where):
    attrs = {}
    for t in tokens:
        if '=' not in t:
            raise DefError(f'{where}: expected key=value, got {t!r}')
        k, v = t.split('=', 1)
        attrs[k] = v
    return attrs


def parse_def(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    api = Api(stem)
    lines = open(path, encoding='utf-8').read().split('\n')
    stack = []  # (indent, Struct)
    section = None
    seen_api = False
    for no, raw in enumerate(lines, 1):
        where = f'{path}:{no}'
        text, _, doc = raw.partition('#')
        doc = doc.strip()
        if not text.strip():
            continue
        indent = len(text) - len(text.lstrip('\t'))
        if text[indent:indent + 1] == ' ':
            raise DefError(f'{where}: indent with tabs')
        tokens = text.split()
        if indent == 0:
            if tokens[0] == 'api':
                attrs = tokenize_attrs(tokens[2:], where)
                api.name = tokens[1]
                api.key = int(attrs.pop('key'))
                api.validr = parse_range(attrs.pop('valid'), where)
                api.flexr = parse_range(attrs.pop('flexible', 'none'), where)
                api.server = parse_range(attrs.pop('serve'), where)
                api.handler = attrs.pop('handler')
                api.doc = doc
                if attrs:
                    raise DefError(f'{where}: unknown api attributes {sorted(attrs)}')
                if api.flexr:
                    api.flexr = (api.flexr[0], api.validr[1])
                seen_api = True
                continue
            if tokens[0] in ('request', 'response') and len(tokens) == 1:
                if not seen_api:
                    raise DefError(f'{where}: {tokens[0]} before api')
                section = tokens[0]
                top = Struct(f'{stem}_{"req" if section == "request" else "resp"}')
                api.structs[top.name] = top
                api.order[section].append(top.name)
                setattr(api, section, top)
                stack = [(0, top)]
                continue
            raise DefError(f'{where}: expected api, request or response')
        if section is None:
            raise DefError(f'{where}: field outside a message')
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack or stack[-1][0] != indent - 1:
            raise DefError(f'{where}: bad indentation')
        if len(tokens) < 2:
            raise DefError(f'{where}: expected "name type [key=value ...]"')
        f = Field(tokens[0], tokens[1], tokenize_attrs(tokens[2:], where), doc, where)
        parent = stack[-1][1]
        f.vr = clip(f.vr, api.validr[0], api.validr[1])
        if f.vr is None:
            raise DefError(f'{where}: field present in no version')
        parent.fields.append(f)
        if f.struct:
            if f.struct in api.structs:
                raise DefError(f'{where}: struct {f.struct} defined twice')
            s = Struct(f.struct)
            api.structs[s.name] = s
            api.order[section].insert(0, s.name)
            stack.append((indent, s))
    if not seen_api or not hasattr(api, 'request') or not hasattr(api, 'response'):
        raise DefError(f'{path}: needs api, request and response')
    for s in api.structs.values():
        if not s.fields and s.name not in (api.request.name, api.response.name):
            raise DefError(f'{path}: struct {s.name} has no fields')
        tags = [f.tag for f in s.fields if f.tag is not None]
        if len(tags) != len(set(tags)):
            raise DefError(f'{path}: struct {s.name} repeats a tag')
        for f in s.fields:
            if f.tag is not None and not (api.flexr and f.vr[0] >= api.flexr[0]):
                raise DefError(f'{f.where}: tagged field outside flexible versions')
    order_structs(api)
    return api


def order_structs(api):
    """Dependencies first: a struct is declared after every struct it holds."""
    for section in ('request', 'response'):
        out = []

        def visit(name):
            if name in out:
                return
            for f in api.structs[name].fields:
                if f.struct:
                    visit(f.struct)
            out.append(name)

        visit(getattr(api, section).name)
        api.order[section] = out


# ---- C emission ----

def vcond(r, lo, hi):
    """A C condition on `v` for range r within [lo, hi], or None when always true."""
    if r is None:
        return '0'
    a, b = r
    conds = []
    if a > lo:
        conds.append(f'v >= {a}')
    if b < hi:
        conds.append(f'v <= {b}')
    return ' && '.join(conds) if conds else None


def cfield_type(f, section):
    if f.struct:
        return f'kafka_{f.struct}_t'
    if f.type == 'records' and section == 'response':
        return 'kafka_records_t'
    return PRIMS[f.type][0]


def default_expr(f):
    """The C initializer of a field absent from a version (None for zero)."""
    d = f.default
    if f.array or f.struct:
        return None
    if f.type in ('string', 'bytes', 'records'):
        if d == 'null' or (d is None and f.nullr is not None) or f.type == 'records':
            return None
        if d not in (None, '""'):
            return f'(trib_slice_t){{(const uint8_t *)"{d.strip(chr(34))}", {len(d.strip(chr(34)))}}}'
        return 'KAFKA_CODEC_EMPTY'
    if d is None or d in ('0', 'false'):
        return None
    if f.type == 'bool':
        return 'true' if d == 'true' else 'false'
    return d


class Emitter:
    def __init__(self, api):
        self.api = api
        self.lo, self.hi = api.validr

    def min_size(self, sname, v):
        """Fewest bytes one element of struct sname takes at version v."""
        n = 0
        flex = self.api.flex(v)
        for f in self.api.structs[sname].fields:
            if not inside(v, f.vr) or f.tag is not None:
                continue
            if f.array:
                n += 1 if flex else 4
            elif f.struct:
                n += self.min_size(f.struct, v)
            elif PRIMS[f.type][1]:
                n += PRIMS[f.type][1]
            elif f.type == 'string':
                n += 1 if flex else 2
            else:
                n += 1 if flex else 4
        return n + (1 if flex else 0)

    def need_default(self):
        """Structs an is_default_* function is needed for: tagged struct fields, nested.

        An array is at its default when empty (is_default_expr looks at its count),
        so structs reached only through arrays need none.
        """
        need = set()

        def add(name):
            if name in need:
                return
            need.add(name)
            for f in self.api.structs[name].fields:
                if f.struct and not f.array:
                    add(f.struct)

        for st in self.api.structs.values():
            for f in st.fields:
                if f.tag is not None and f.struct and not f.array:
                    add(f.struct)
        return need

    # -- header --
    def header(self):
        a = self.api
        g = f'TRIB_KAFKA_{a.stem.upper()}_H'
        out = [f'/* Generated by protocols/kafka/gen/kafka_gen.py from {a.stem}.def: do not edit. */',
               '/**', f' * {a.name} (key {a.key}) request and response, versions '
               f'{a.validr[0]}-{a.validr[1]}{fmt_flex(a)}.']
        if a.doc:
            out.append(f' * {a.doc}')
        out += [' */', f'#ifndef {g}', f'#define {g}', '', '#include <stdbool.h>',
                '#include <stdint.h>', '', '#include "kafka_arena.h"', '#include "kafka_codec.h"',
                '#include "slice.h"', '#include "trib_err.h"', '#include "wire.h"', '']
        for section in ('request', 'response'):
            for sname in a.order[section]:
                out += self.struct_decl(a.structs[sname], section)
        out += [
            '/**',
            f' * Decodes a {a.name} request body at @p version ({self.lo}-{self.hi}) into @p out:',
            ' * arrays in @p arena, slices borrow @p rd\'s input, which must be consumed',
            ' * exactly; absent fields take their defaults. Errors: TRIB_ERR_INVALID,',
            ' * TRIB_ERR_NOMEM. @thread any  @locks none',
            ' */',
            f'trib_err_t kafka_{a.stem}_req_decode(wire_rd_t *rd, int16_t version, '
            f'kafka_arena_t *arena,',
            f'\t\tkafka_{a.stem}_req_t *out) TRIB_MUST_CHECK;', '',
            f'/** Writes a kafka_{a.stem}_resp_t at @p version ({self.lo}-{self.hi}), '
            'kafka_body_fn shape.',
            ' * @thread any  @locks none */',
            f'void kafka_{a.stem}_resp_write(wire_wr_t *wr, int16_t version, const void *resp);',
            '', '#endif', '']
        return '\n'.join(out)

    def struct_decl(self, s, section):
        out = [f'typedef struct kafka_{s.name} {{']
        for f in s.fields:
            note = []
            if f.vr != (self.lo, self.hi):
                note.append(f'v{fmt_range(f.vr, self.hi)}')
            if f.nullr:
                note.append(f'nullable v{fmt_range(clip(f.nullr, self.lo, self.hi), self.hi)}')
            if f.tag is not None:
                note.append(f'tag {f.tag}')
            if f.default is not None:
                note.append(f'default {f.default}')
            if f.doc:
                note.append(f.doc)
            c = f' /**< {"; ".join(note)} */' if note else ''
            t = cfield_type(f, section)
            if f.array:
                out.append(f'\tint32_t {f.name}_count; /**< -1: null array */')
                out.append(f'\t{t} *{f.name};{c}')
            else:
                out.append(f'\t{t} {f.name};{c}')
        if not s.fields:
            out.append('\tchar unused; /**< no fields */')
        out += [f'}} kafka_{s.name}_t;', '']
        return out

    # -- decoder --
    def decoders(self):
        out = []
        for sname in self.api.order['request']:
            out += self.decoder(self.api.structs[sname])
        return out

    def min_table(self, sname):
        return ', '.join(str(self.min_size(sname, v)) for v in range(self.lo, self.hi + 1))

    def read_prim(self, f, flex, nullable):
        t = f.type
        simple = {'bool': 'wire_rd_u8(rd) != 0', 'int8': 'wire_rd_i8(rd)',
                  'int16': 'wire_rd_i16(rd)', 'uint16': 'wire_rd_u16(rd)',
                  'int32': 'wire_rd_i32(rd)', 'int64': 'wire_rd_i64(rd)',
                  'float64': 'kafka_codec_rd_f64(rd)', 'uuid': 'kafka_codec_rd_uuid(rd)'}
        if t in simple:
            return simple[t]
        fn = 'kafka_codec_rd_str' if t == 'string' else 'kafka_codec_rd_bytes'
        return f'{fn}(rd, {flex}, {nullable})'

    def nullable(self, f):
        """A C condition: the field is nullable at v (read only where it is present)."""
        n = clip(f.nullr, f.vr[0], f.vr[1])
        if n is None:
            return 'false'
        return vcond(n, f.vr[0], f.vr[1]) or 'true'

    def decode_field(self, f, ind, dst):
        """Statements reading field f into dst from rd (flex known as `flex`)."""
        out = []
        nl = self.nullable(f)
        if f.array:
            elem = cfield_type(f, 'request')
            minsz = (f'min_{f.struct}[v - {self.lo}]' if f.struct
                     else str(PRIMS[f.type][1] or 1))
            out += [f'{ind}n = kafka_codec_rd_count(rd, flex, {nl}, {f.max}, {minsz});',
                    f'{ind}{dst}_count = n;',
                    f'{ind}if (n > 0) {{',
                    f'{ind}\t{dst} = kafka_arena_calloc(a, (size_t)n, sizeof({elem}));',
                    f'{ind}\tif (!{dst})',
                    f'{ind}\t\treturn false;',
                    f'{ind}}}',
                    f'{ind}for (int32_t i = 0; i < n && wire_rd_ok(rd); i++) {{']
            if f.struct:
                out += [f'{ind}\tif (!dec_{f.struct}(rd, v, a, &{dst}[i]))',
                        f'{ind}\t\treturn false;']
            else:
                out.append(f'{ind}\t{dst}[i] = {self.read_prim(f, "flex", "false")};')
            out.append(f'{ind}}}')
        elif f.struct:
            out += [f'{ind}if (!dec_{f.struct}(rd, v, a, &{dst}))', f'{ind}\treturn false;']
        else:
            out.append(f'{ind}{dst} = {self.read_prim(f, "flex", nl)};')
        return out

    def decoder(self, s):
        a = self.api
        out = []
        if any(f.struct == s.name and f.array for st in a.structs.values() for f in st.fields):
            out += [f'static const uint16_t min_{s.name}[] = '
                    f'{{{self.min_table(s.name)}}};', '']
        out += [f'static bool dec_{s.name}(wire_rd_t *rd, int16_t v, kafka_arena_t *a, '
                f'kafka_{s.name}_t *o)', '{']
        body = []
        uses_n = any(f.array for f in s.fields if f.tag is None)
        if uses_n:
            body.append('\tint32_t n;')
        body.append(f'\tconst bool flex = {self.flex_cond()};')
        body.append('')
        inits = [(f.name, default_expr(f)) for f in s.fields if default_expr(f)]
        if inits:
            body.append(f'\t*o = (kafka_{s.name}_t){{' +
                        ', '.join(f'.{n} = {e}' for n, e in inits) + '};')
        else:
            body.append(f'\t*o = (kafka_{s.name}_t){{0}};')
        for f in s.fields:
            if f.tag is not None:
                continue
            if f.array:
                body.append(f'\to->{f.name}_count = {-1 if f.default == "null" else 0};')
            cond = vcond(f.vr, self.lo, self.hi)
            if cond:
                body.append(f'\tif ({cond}) {{')
                body += self.decode_field(f, '\t\t', f'o->{f.name}')
                body.append('\t}')
            else:
                body += self.decode_field(f, '\t', f'o->{f.name}')
        tagged = [f for f in s.fields if f.tag is not None]
        if a.flexr:
            body.append('\tif (flex)')
            body.append(f'\t\treturn dec_tags_{s.name}(rd, v, a, o);' if tagged
                        else '\t\twire_rd_skip_tags(rd);')
        body.append('\treturn true;')
        out += unused_guard(body, ['flex', 'v', 'a']) + ['}', '']
        if tagged:
            out = self.tag_decoder(s, tagged) + out
        return out

    def tag_decoder(self, s, tagged):
        sig = [f'static bool dec_tags_{s.name}(wire_rd_t *rd, int16_t v, kafka_arena_t *a, '
               f'kafka_{s.name}_t *o)', '{']
        body = ['\tconst bool flex = true;', '\tuint64_t count = wire_rd_uvarint(rd);']
        if any(f.array for f in tagged):
            body.append('\tint32_t n;')
        body += ['', '\tif (count > wire_rd_left(rd))', '\t\twire_rd_fail(rd);',
                 '\tfor (uint64_t t = 0; t < count && wire_rd_ok(rd); t++) {',
                 '\t\tuint64_t tag = wire_rd_uvarint(rd);',
                 '\t\twire_rd_t sub;', '',
                 '\t\tif (!kafka_codec_rd_sub(rd, wire_rd_uvarint(rd), &sub))',
                 '\t\t\tbreak;', '\t\tswitch (tag) {']
        for f in sorted(tagged, key=lambda f: f.tag):
            cond = vcond(f.vr, self.lo, self.hi)
            body.append(f'\t\tcase {f.tag}:')
            if cond:
                body += [f'\t\t\tif (!({cond}))', '\t\t\t\tbreak;']
            stmts = self.decode_field(f, '\t\t\t', f'o->{f.name}')
            body += [x.replace('(rd,', '(&sub,').replace('(rd)', '(&sub)') for x in stmts]
            body += ['\t\t\tif (wire_rd_left(&sub) != 0) /* a known field fills its size */',
                     '\t\t\t\twire_rd_fail(&sub);', '\t\t\tbreak;']
        body += ['\t\tdefault:',
                 '\t\t\tbreak; /* unknown tags (and known ones of other versions) are skipped */',
                 '\t\t}', '\t\tif (!wire_rd_ok(&sub))', '\t\t\twire_rd_fail(rd);', '\t}',
                 '\treturn true;']
        return sig + unused_guard(body, ['flex', 'v', 'a']) + ['}', '']

    def flex_cond(self):
        a = self.api
        if not a.flexr:
            return 'false'
        return vcond(a.flexr, self.lo, self.hi) or 'true'

    # -- encoder --
    def encoders(self):
        out = []
        for sname in self.api.order['response']:
            out += self.encoder(self.api.structs[sname])
        return out

    def write_prim(self, f, flex, nl, src):
        t = f.type
        simple = {'bool': f'wire_wr_u8(wr, {src} ? 1 : 0)', 'int8': f'wire_wr_i8(wr, {src})',
                  'int16': f'wire_wr_i16(wr, {src})', 'uint16': f'wire_wr_u16(wr, {src})',
                  'int32': f'wire_wr_i32(wr, {src})', 'int64': f'wire_wr_i64(wr, {src})',
                  'float64': f'kafka_codec_wr_f64(wr, {src})',
                  'uuid': f'kafka_codec_wr_uuid(wr, &{src})',
                  'records': f'kafka_codec_wr_records(wr, {flex}, &{src})'}
        if t in simple:
            return simple[t]
        fn = 'kafka_codec_wr_str' if t == 'string' else 'kafka_codec_wr_bytes'
        return f'{fn}(wr, {flex}, {nl}, {src})'

    def encode_field(self, f, ind, src):
        nl = self.nullable(f)
        if f.array:
            out = [f'{ind}kafka_codec_wr_count(wr, flex, {nl}, {src}_count);',
                   f'{ind}for (int32_t i = 0; i < {src}_count; i++)']
            if f.struct:
                out.append(f'{ind}\tenc_{f.struct}(wr, v, &{src}[i]);')
            else:
                out.append(f'{ind}\t{self.write_prim(f, "flex", "false", src + "[i]")};')
            return out
        if f.struct:
            return [f'{ind}enc_{f.struct}(wr, v, &{src});']
        return [f'{ind}{self.write_prim(f, "flex", nl, src)};']

    def is_default_expr(self, f, src):
        d = default_expr(f)
        if f.array:
            return f'{src}_count == {-1 if f.default == "null" else 0}'
        if f.struct:
            return f'is_default_{f.struct}(&{src})'
        if f.type == 'uuid':
            return f'kafka_uuid_is_zero(&{src})'
        if f.type in ('string', 'bytes'):
            if d is None:
                return f'!{src}.ptr'
            return f'({src}.ptr && {src}.len == 0)'
        if f.type == 'records':
            return f'{src}.len == 0'
        return f'{src} == {d or 0}'

    def is_default_fn(self, s):
        conds = [self.is_default_expr(f, f'o->{f.name}') for f in s.fields]
        return [f'static bool is_default_{s.name}(const kafka_{s.name}_t *o)', '{',
                f'\treturn {" && ".join(conds) if conds else "true"};', '}', '']

    def encoder(self, s):
        a = self.api
        out = []
        if s.name in self.need_default():
            out += self.is_default_fn(s)
        out += [f'static void enc_{s.name}(wire_wr_t *wr, int16_t v, const kafka_{s.name}_t *o)',
                '{', f'\tconst bool flex = {self.flex_cond()};', '']
        body = []
        for f in s.fields:
            if f.tag is not None:
                continue
            cond = vcond(f.vr, self.lo, self.hi)
            if cond:
                body.append(f'\tif ({cond}) {{')
                body += self.encode_field(f, '\t\t', f'o->{f.name}')
                body.append('\t}')
            else:
                body += self.encode_field(f, '\t', f'o->{f.name}')
        tagged = sorted((f for f in s.fields if f.tag is not None), key=lambda f: f.tag)
        if a.flexr:
            if tagged:
                body.append('\tif (flex)')
                body.append(f'\t\tenc_tags_{s.name}(wr, v, o);')
            else:
                body.append('\tif (flex)')
                body.append('\t\twire_wr_empty_tags(wr);')
        out += unused_guard(body, ['flex', 'v']) + ['}', '']
        if tagged:
            out = self.tag_encoder(s, tagged) + out
        return out

    def tag_encoder(self, s, tagged):
        sig = [f'static void enc_tags_{s.name}(wire_wr_t *wr, int16_t v, '
               f'const kafka_{s.name}_t *o)', '{']
        body = ['\tconst bool flex = true;', '\tuint64_t count = 0;', '\twire_wr_t m;', '']
        present = []
        for f in tagged:
            cond = vcond(f.vr, self.lo, self.hi)
            p = f'!({self.is_default_expr(f, "o->" + f.name)})'
            present.append((f, f'({cond}) && {p}' if cond else p))
        for f, p in present:
            body.append(f'\tcount += {p} ? 1 : 0;')
        body.append('\twire_wr_uvarint(wr, count);')
        for f, p in present:
            enc = self.encode_field(f, '\t\t', f'o->{f.name}')
            measure = [l.replace('(wr,', '(&m,').replace('(wr)', '(&m)') for l in enc]
            body += [f'\tif ({p}) {{', f'\t\twire_wr_uvarint(wr, {f.tag});',
                     '\t\twire_wr_init(&m, NULL, 0);'] + measure + [
                     '\t\twire_wr_uvarint(wr, m.pos);'] + enc + ['\t}']
        return sig + unused_guard(body, ['flex', 'v']) + ['}', '']

    def source(self):
        a = self.api
        top_req, top_resp = a.request.name, a.response.name
        out = [f'/* Generated by protocols/kafka/gen/kafka_gen.py from {a.stem}.def: do not edit. */',
               f'#include "{a.stem}.h"', '', '#include "kafka_api.h"', '']
        out += self.decoders()
        out += self.encoders()
        out += [f'trib_err_t kafka_{a.stem}_req_decode(wire_rd_t *rd, int16_t version, '
                'kafka_arena_t *arena,',
                f'\t\tkafka_{top_req}_t *out)', '{',
                f'\tif (version < {self.lo} || version > {self.hi}) {{',
                f'\t\t*out = (kafka_{top_req}_t){{0}};',
                '\t\twire_rd_fail(rd);', '\t\treturn TRIB_ERR_INVALID;', '\t}',
                f'\tif (!dec_{top_req}(rd, version, arena, out))',
                '\t\treturn TRIB_ERR_NOMEM;',
                '\treturn wire_rd_ok(rd) && wire_rd_left(rd) == 0 ? TRIB_OK : TRIB_ERR_INVALID;',
                '}', '',
                f'void kafka_{a.stem}_resp_write(wire_wr_t *wr, int16_t version, const void *resp)',
                '{', f'\tenc_{top_resp}(wr, version, resp);', '}', '']
        return '\n'.join(out)


def unused_guard(body, names):
    """Marks the names in scope that a generated body does not read as used.

    body: the lines inside a function, declarations first, then one empty line.
    """
    guards = []
    for name in names:
        uses = [l for l in body if re.search(r'\b%s\b' % name, l)
                and not l.strip().startswith('const bool flex =')]
        if not uses:
            guards.append(f'\t(void){name};')
    if not guards:
        return body
    i = body.index('') if '' in body else 0
    return body[:i] + guards + body[i:]


def fmt_range(r, hi):
    if r is None:
        return 'none'
    if r[1] >= hi:
        return f'{r[0]}+'
    return f'{r[0]}' if r[0] == r[1] else f'{r[0]}-{r[1]}'


def fmt_flex(a):
    return f', flexible from v{a.flexr[0]}' if a.flexr else ', none flexible'


def const_name(name):
    return 'KAFKA_API_' + re.sub(r'(?<!^)(?=[A-Z])', '_', name).upper()


def emit_tables(apis, out):
    apis = sorted(apis, key=lambda a: a.key)
    table = ['/* Generated by protocols/kafka/gen/kafka_gen.py: do not edit. */',
             '#include "kafka_api.h"', '', 'static const kafka_api_t table[] = {']
    for a in apis:
        flex = a.flexr[0] if a.flexr else 'KAFKA_FLEX_NONE'
        table.append(f'\t{{{a.key}, "{a.name}", {a.server[0]}, {a.server[1]}, '
                     f'{a.validr[0]}, {a.validr[1]}, {flex}}},')
    table += ['};', '', 'const kafka_api_t *kafka_api_generated(size_t *count)', '{',
              '\t*count = sizeof(table) / sizeof(table[0]);', '\treturn table;', '}', '']
    write(out, 'kafka_api_table.c', '\n'.join(table))
    hs = ['/* Generated by protocols/kafka/gen/kafka_gen.py: do not edit. */',
          '#include "kafka_dispatch.h"', '']
    hs += [f'trib_err_t {a.handler}(kafka_req_t *req, wire_rd_t *body);' for a in apis]
    hs += ['', 'kafka_handler_fn kafka_handler_for(int16_t key)', '{', '\tswitch (key) {']
    for a in apis:
        hs += [f'\tcase {a.key}: /* {a.name} */', f'\t\treturn {a.handler};']
    hs += ['\tdefault:', '\t\treturn NULL;', '\t}', '}', '']
    write(out, 'kafka_handlers.c', '\n'.join(hs))


def write(out, name, text):
    path = os.path.join(out, name)
    try:
        if open(path, encoding='utf-8').read() == text:
            return
    except OSError:
        pass
    with open(path, 'w', encoding='utf-8') as fh:
        fh.write(text)


def sample_fn(api, sname):
    """A test model: one element in every array, every string and bytes field set."""
    s = api.structs[sname]
    out = [f'static void sample_{sname}(kafka_arena_t *a, kafka_{sname}_t *o)', '{']
    body = []
    for f in s.fields:
        dst = f'o->{f.name}'
        if f.array:
            elem = cfield_type(f, 'response')
            body += [f'\t{dst} = kafka_arena_calloc(a, 1, sizeof({elem}));',
                     f'\t{dst}_count = {dst} ? 1 : 0;']
            if f.struct:
                body.append(f'\tif ({dst})')
                body.append(f'\t\tsample_{f.struct}(a, &{dst}[0]);')
            elif f.type in ('string', 'bytes'):
                body.append(f'\tif ({dst})')
                body.append(f'\t\t{dst}[0] = three;')
        elif f.struct:
            body.append(f'\tsample_{f.struct}(a, &{dst});')
        elif f.type in ('string', 'bytes'):
            body.append(f'\t{dst} = three;')
        elif f.type == 'records':
            body += [f'\t{dst}.ptr = three.ptr;', f'\t{dst}.len = three.len;']
    if not any(re.search(r'\ba\b', l) for l in body):
        body.insert(0, '\t(void)a;')
    if not any('o->' in l for l in body):
        body.insert(0, '\t(void)o;')
    return out + body + ['}', '']


def emit_cases(apis, out):
    """Test-only: each API's decoder, writer and a sample response, for the schema test."""
    h = ['/* Generated by protocols/kafka/gen/kafka_gen.py: do not edit. */',
         '/**', ' * Test-only view of the generated messages (tests/unit/kafka_schema_test.c):',
         ' * for each API its request decoder, its response writer and a sample',
         ' * response with one element in every array. Not linked into the gateway.', ' */',
         '#ifndef TRIB_KAFKA_MSG_CASES_H', '#define TRIB_KAFKA_MSG_CASES_H', '',
         '#include <stddef.h>', '#include <stdint.h>', '', '#include "kafka_arena.h"',
         '#include "kafka_frame.h"', '#include "trib_err.h"', '#include "wire.h"', '',
         'typedef struct kafka_msg_case {', '\tint16_t key;',
         '\tconst char *name; /**< the schema name, "Heartbeat" */',
         '\t/** Decodes a request at a version into an arena-allocated struct. */',
         '\ttrib_err_t (*decode)(wire_rd_t *rd, int16_t version, kafka_arena_t *arena);',
         '\tkafka_body_fn write;',
         '\t/** A sample response in @p arena. */',
         '\tconst void *(*sample)(kafka_arena_t *arena);', '} kafka_msg_case_t;', '',
         '/** Every generated API ordered by key; *count gets the number. */',
         'const kafka_msg_case_t *kafka_msg_cases(size_t *count);', '', '#endif', '']
    write(out, 'kafka_msg_cases.h', '\n'.join(h))
    c = ['/* Generated by protocols/kafka/gen/kafka_gen.py: do not edit. */',
         '#include "kafka_msg_cases.h"', '']
    c += [f'#include "{a.stem}.h"' for a in apis]
    c += ['', 'static const trib_slice_t three __attribute__((unused)) = {(const uint8_t *)"abc", 3};', '']
    for a in sorted(apis, key=lambda a: a.key):
        for sname in a.order['response']:
            c += sample_fn(a, sname)
        st = a.stem
        c += [f'static trib_err_t decode_{st}(wire_rd_t *rd, int16_t v, kafka_arena_t *a)', '{',
              f'\tkafka_{st}_req_t *q = kafka_arena_alloc(a, sizeof(*q));', '',
              '\treturn q ? kafka_' + st + '_req_decode(rd, v, a, q) : TRIB_ERR_NOMEM;', '}', '',
              f'static const void *sample_{st}(kafka_arena_t *a)', '{',
              f'\tkafka_{st}_resp_t *o = kafka_arena_alloc(a, sizeof(*o));', '',
              '\tif (o)', f'\t\tsample_{st}_resp(a, o);', '\treturn o;', '}', '']
    c += ['static const kafka_msg_case_t cases[] = {']
    for a in sorted(apis, key=lambda a: a.key):
        c.append(f'\t{{{a.key}, "{a.name}", decode_{a.stem}, kafka_{a.stem}_resp_write, '
                 f'sample_{a.stem}}},')
    c += ['};', '', 'const kafka_msg_case_t *kafka_msg_cases(size_t *count)', '{',
          '\t*count = sizeof(cases) / sizeof(cases[0]);', '\treturn cases;', '}', '']
    write(out, 'kafka_msg_cases.c', '\n'.join(c))


def generate(defs, out):
    apis = [parse_def(p) for p in defs]
    for a in apis:
        e = Emitter(a)
        write(out, f'{a.stem}.h', e.header())
        write(out, f'{a.stem}.c', e.source())
    emit_tables(apis, out)
    emit_cases(apis, out)


# ---- checking against Apache Kafka's schemas ----

def snake(name):
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', name)
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    return s.lower()


JSON_TYPES = {'bool': 'bool', 'int8': 'int8', 'int16': 'int16', 'uint16': 'uint16',
              'int32': 'int32', 'int64': 'int64', 'float64': 'float64', 'uuid': 'uuid',
              'string': 'string', 'bytes': 'bytes', 'records': 'records'}


def load_schema(path):
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'^\s*//.*$', '', text, flags=re.M)
    return json.loads(text)


def check_fields(api, ours, theirs, where, errors, common):
    """Every field of `theirs` (JSON) must be in `ours` with the same shape."""
    lo, hi = api.validr
    by_name = {f.name: f for f in ours}
    seen = set()
    for jf in theirs:
        jr = clip(parse_range(jf['versions'], where), lo, hi)
        if jr is None:
            continue
        name = snake(jf['name'])
        f = by_name.get(name)
        w = f'{where}.{name}'
        if f is None:
            errors.append(f'{w}: missing (schema has it in v{fmt_range(jr, hi)})')
            continue
        seen.add(name)
        if f.vr != jr:
            errors.append(f'{w}: versions v{fmt_range(f.vr, hi)}, schema v{fmt_range(jr, hi)}')
        jn = clip(parse_range(jf.get('nullableVersions', 'none'), where), lo, hi)
        if clip(f.nullr, jr[0], jr[1]) != clip(jn, jr[0], jr[1]):
            errors.append(f'{w}: nullable v{fmt_range(f.nullr, hi)}, '
                          f'schema v{fmt_range(jn, hi)}')
        jtag = jf.get('tag')
        if jtag != f.tag:
            errors.append(f'{w}: tag {f.tag}, schema {jtag}')
        jt = jf['type']
        arr = jt.startswith('[]')
        base = jt[2:] if arr else jt
        if arr != f.array:
            errors.append(f'{w}: array {f.array}, schema {jt}')
        sub = jf.get('fields')
        if sub is None and base in common:
            sub = common[base]
        if base in JSON_TYPES:
            if f.struct or f.type != JSON_TYPES[base]:
                errors.append(f'{w}: type {f.type}, schema {jt}')
        else:
            if not f.struct:
                errors.append(f'{w}: type {f.type}, schema struct {jt}')
            elif sub is not None:
                check_fields(api, api.structs[f.struct].fields, sub, w, errors, common)
    for f in ours:
        if f.name not in seen:
            errors.append(f'{where}.{f.name}: not in the schema')


def check(defs, schema_dir):
    errors = []
    for p in defs:
        api = parse_def(p)
        for section, suffix in (('request', 'Request'), ('response', 'Response')):
            path = os.path.join(schema_dir, f'{api.name}{suffix}.json')
            js = load_schema(path)
            where = f'{api.stem}.{section}'
            if js['apiKey'] != api.key:
                errors.append(f'{where}: key {api.key}, schema {js["apiKey"]}')
            jv = parse_range(js['validVersions'], where)
            if not (jv[0] <= api.validr[0] and api.validr[1] <= jv[1]):
                errors.append(f'{where}: versions {api.validr}, schema {jv}')
            jflex = parse_range(js['flexibleVersions'], where)
            if (jflex and jflex[0]) != (api.flexr and api.flexr[0]) and \
                    (jflex is None or jflex[0] <= api.validr[1]):
                errors.append(f'{where}: flexible {api.flexr}, schema {jflex}')
            if not (api.validr[0] <= api.server[0] and api.server[1] <= api.validr[1]):
                errors.append(f'{where}: serve {api.server} outside valid {api.validr}')
            common = {s['name']: s['fields'] for s in js.get('commonStructs', [])}
            check_fields(api, getattr(api, section).fields, js['fields'], where, errors, common)
    for e in errors:
        print(e)
    print(f'kafka_gen --check: {len(defs)} definitions, {len(errors)} differences')
    return 1 if errors else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--out')
    ap.add_argument('--check', metavar='SCHEMA_DIR')
    ap.add_argument('defs', nargs='+')
    args = ap.parse_args()
    try:
        if args.check:
            if not os.path.isdir(args.check):
                print(f'kafka_gen --check: no schemas at {args.check}: skipped')
                return 77
            return check(args.defs, args.check)
        generate(args.defs, args.out)
    except DefError as e:
        print(f'kafka_gen: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
