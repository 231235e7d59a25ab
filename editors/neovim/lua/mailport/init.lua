-- `:MailportTestConnection`: ask the server to probe the mail server configured
-- at the cursor, and show what it found.
local M = {}

local SERVER_COMMAND = 'mailport.server.testConnection'

---@param v any
local function present(v)
  return v ~= nil and v ~= vim.NIL and v ~= ''
end

--- Readable lines from a probe report (`mailport probe --format json`).
---@param report table
---@return string[] lines, integer level
function M.format_report(report)
  if type(report) ~= 'table' then
    return { 'mailport: the server returned no probe report' }, vim.log.levels.ERROR
  end
  local t = present(report.target) and report.target or {}
  local where = ('%s%s'):format(present(t.host) and t.host or '?', present(t.port) and (':' .. t.port) or '')
  local verdict = present(report.verdict) and report.verdict or 'unknown'
  local lines = { ('mailport: %s: %s'):format(where, verdict) }
  local o = present(report.observed) and report.observed or {}
  local function add(label, v)
    if present(v) then
      lines[#lines + 1] = ('  %s: %s'):format(label, type(v) == 'table' and table.concat(v, ', ') or tostring(v))
    end
  end
  add('observed', present(o.mode) and ((present(o.protocol) and (o.protocol .. ', ') or '') .. o.mode) or nil)
  add('greeting', o.greeting)
  add('STARTTLS offered', o.starttls_offered)
  add('AUTH', o.auth_mechanisms)
  if present(o.tls) then
    add('TLS', table.concat(vim.tbl_filter(present, { o.tls.version, o.tls.cipher }), ', '))
    local c = present(o.tls.certificate) and o.tls.certificate or {}
    add('certificate', c.subject)
    add('valid until', c.not_after)
    add('trusted', c.trusted)
    add('host name matches', c.hostname_ok)
  end
  for _, f in ipairs(present(report.findings) and report.findings or {}) do
    if type(f) == 'table' and present(f.message) then
      lines[#lines + 1] = ('  %s %s: %s'):format(f.severity or 'info', f.code or '', f.message)
    end
  end
  local level = verdict == 'ok' and vim.log.levels.INFO
    or verdict == 'failed' and vim.log.levels.ERROR
    or vim.log.levels.WARN
  return lines, level
end

--- Shows a workspace/executeCommand result (or error).
function M.show_result(err, result)
  if err then
    vim.notify('mailport: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    return
  end
  local lines, level = M.format_report(result)
  vim.notify(table.concat(lines, '\n'), level)
end

--- Probes the endpoint at the cursor of the current window.
function M.test_connection()
  local bufnr = vim.api.nvim_get_current_buf()
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = 'mailport' })[1]
  if not client then
    vim.notify('mailport: no mailport server attached to this buffer', vim.log.levels.WARN)
    return
  end
  local cursor = vim.api.nvim_win_get_cursor(0)
  local params = vim.lsp.util.make_position_params(0, client.offset_encoding)
  local args = { uri = vim.uri_from_bufnr(bufnr), position = params.position }
  vim.notify(('mailport: testing the connection at line %d…'):format(cursor[1]), vim.log.levels.INFO)
  client:request('workspace/executeCommand', { command = SERVER_COMMAND, arguments = { args } }, M.show_result, bufnr)
end

--- Code lenses carry the server command; run it and show the report instead of
--- dropping the result.
function M.register_client_command()
  vim.lsp.commands[SERVER_COMMAND] = function(command, ctx)
    local client = vim.lsp.get_client_by_id(ctx.client_id)
    if client then
      client:request('workspace/executeCommand', command, M.show_result, ctx.bufnr)
    end
  end
end

return M
