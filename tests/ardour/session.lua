-- Headless Ardour session script for Lacquer's VST3 (run by tests/ardour/run.sh through ardour7-lua).
--
-- Builds a bus "Master Chain" with ACE Noise (-6 dBFS) followed by the plugin under test, sets
-- Limiter Drive / Limiter Ceiling, automates Output Gain, exports a range of the session to WAV,
-- saves and closes (phase "create"); loads the saved session and exports again (phase "reload").
--
-- Parameters come from the environment:
--   LQ_SESSION_DIR   session folder (created in phase create, must exist for reload)
--   LQ_PHASE         create | reload | both (both: create, close, reload in one process)
--   LQ_PLUGIN        lacquer (VST3, default) | x42-dpl (LV2) | none
--   LQ_MODE          full (default: set parameters, write automation) | loaded (plugin only)
--   LQ_EXPORT_DIR    where the WAVs go (default: <session>/export)
--   LQ_EXPORT_START, LQ_EXPORT_END   seconds (default 4 and 8)
--   LQ_AUTOMATION_SECONDS            length of the Output Gain ramp (default 6)
--   LQ_RATE          sample rate (default 48000)
--   LQ_REPORT        file to write "key=value" lines to (default <export dir>/<phase>.txt)
--   LQ_PRESET        export preset uuid (run.sh installs a 32-bit float WAV preset)
-- Exit status: non-zero (via error()) on any failure.

local function env(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then return default end
	return v
end

local SESSION_DIR = assert(env("LQ_SESSION_DIR", nil), "LQ_SESSION_DIR is not set")
local SNAP        = env("LQ_SNAPSHOT", "lacquer")
local PHASE       = env("LQ_PHASE", "both")
local PLUGIN      = env("LQ_PLUGIN", "lacquer")
local MODE        = env("LQ_MODE", "full")
local RATE        = tonumber(env("LQ_RATE", "48000"))
local EXPORT_DIR  = env("LQ_EXPORT_DIR", SESSION_DIR .. "/export")
local T0          = tonumber(env("LQ_EXPORT_START", "4"))
local T1          = tonumber(env("LQ_EXPORT_END", "8"))
local RAMP        = tonumber(env("LQ_AUTOMATION_SECONDS", "6"))
local PRESET      = env("LQ_PRESET", "8c4ef0a5-5ad5-4fdd-8f55-9a2a5fc3d7a1")
local BUS_NAME    = "Master Chain"

local DRIVE_DB, CEILING_DB, GAIN_FROM, GAIN_TO = 12.0, -1.0, 1.0, 0.25
local NOISE_DBFS = -6.0

local report_lines = {}
local function report(k, v)
	print(string.format("LQ %s=%s", k, tostring(v)))
	report_lines[#report_lines + 1] = string.format("%s=%s", k, tostring(v))
end
local function flush_report(phase)
	local path = env("LQ_REPORT", EXPORT_DIR .. "/" .. phase .. ".txt")
	local f = assert(io.open(path, "w"))
	for _, l in ipairs(report_lines) do f:write(l, "\n") end
	f:close()
	report_lines = {}
end

----------------------------------------------------------------------------------------------
-- Plugins under test

-- Ardour 7.3's VST3 host presents parameters in plain units (it converts through the plugin's
-- normalizedParamToPlain), so values are given as the plugin displays them.
local function plain(v) return v end

local PLUGINS = {
	lacquer = {
		name = "Lacquer", type = ARDOUR.PluginType.VST3,
		-- parameter name, function(plain value) -> value in the host's units
		drive   = { "Limiter Drive",   plain },
		ceiling = { "Limiter Ceiling", plain },
		gain    = { "Output Gain",     plain }, -- linear gain (1.0 = 0 dB)
		-- ACE Noise is white, with energy up to Nyquist: the band limit makes the ceiling hold.
		extra   = { ["Limiter Band Limit"] = 1 },
	},
	["x42-dpl"] = {
		name = "http://gareus.org/oss/lv2/dpl#stereo", type = ARDOUR.PluginType.LV2,
		drive   = { "Input Gain", plain },
		ceiling = { "Threshold",  plain },
		gain    = nil, -- x42-dpl has no output gain: the ramp goes on the route's fader instead
		extra   = { ["True Peak"] = 1 },
	},
}

local function param_table(proc)
	-- Control-input parameters in the order ARDOUR.LuaAPI.{set_processor_param,plugin_automation}
	-- count them.
	local plug = proc:to_insert():plugin(0)
	local list, n = {}, 0
	for j = 0, plug:parameter_count() - 1 do
		if plug:parameter_is_control(j) then
			if plug:parameter_is_input(j) then
				local label = plug:parameter_label(j)
				local _, _, pd = ARDOUR.LuaAPI.plugin_automation(proc, n)
				list[#list + 1] = { n = n, port = j, label = label, lower = pd.lower, upper = pd.upper,
					value = ARDOUR.LuaAPI.get_processor_param(proc, n, true) }
			end
			n = n + 1
		end
	end
	return list
end

local function find_param(list, label)
	for _, p in ipairs(list) do
		if p.label == label then return p end
	end
	error("plugin has no parameter '" .. label .. "'")
end

local function plugin_control(proc, p)
	local ac = proc:to_insert():to_automatable():automation_control(
		Evoral.Parameter(ARDOUR.AutomationType.PluginAutomation, 0, p.port), false)
	assert(not ac:isnil(), "no automation control for " .. p.label)
	return ac
end

local function latency_report(route, proc, tag)
	local function try(f) local ok, v = pcall(f); if ok then return v end return "n/a" end
	report(tag .. "proc_signal_latency", try(function() return proc:signal_latency() end))
	report(tag .. "proc_effective_latency", try(function() return proc:effective_latency() end))
	report(tag .. "plugin_signal_latency", try(function() return proc:to_insert():plugin(0):signal_latency() end))
	report(tag .. "route_signal_latency", try(function() return route:signal_latency() end))
	report(tag .. "route_playback_latency", try(function() return route:playback_latency(false) end))
	report(tag .. "session_worst_latency", try(function() return Session:worst_route_latency() end))
end

----------------------------------------------------------------------------------------------
-- Session helpers

local function find_bus()
	local r = Session:route_by_name(BUS_NAME)
	assert(not r:isnil(), "bus '" .. BUS_NAME .. "' not found")
	return r
end

local function find_proc(route, wanted)
	local i = 0
	while true do
		local p = route:nth_plugin(i)
		if p:isnil() then return nil end
		local pi = p:to_insert():plugin(0):get_info()
		if pi.name == wanted or pi.unique_id == wanted then return p end
		i = i + 1
	end
end

local function export(name)
	local e = Session:simple_export()
	if not e:set_preset(PRESET) then error("export preset " .. PRESET .. " not found") end
	e:set_folder(EXPORT_DIR)
	e:set_name(name)
	e:set_range(math.floor(T0 * RATE), math.floor(T1 * RATE))
	local t = os.clock()
	if not e:run_export() then error("export '" .. name .. "' failed") end
	report("export_" .. name, EXPORT_DIR .. "/" .. name .. ".wav")
	report("export_" .. name .. "_cpu_s", string.format("%.2f", os.clock() - t))
	return e
end

----------------------------------------------------------------------------------------------

local function create_body()
	local s = create_session(SESSION_DIR, SNAP, RATE)
	assert(s, "create_session failed (does " .. SESSION_DIR .. " exist already?)")
	report("backend", AudioEngine:current_backend_name())
	report("rate", Session:nominal_sample_rate())

	local rl = Session:new_audio_route(2, 2, nil, 1, BUS_NAME, ARDOUR.PresentationInfo.Flag.AudioBus,
		ARDOUR.PresentationInfo.max_order)
	local route = nil
	for r in rl:iter() do route = r end
	assert(route, "could not create the bus")

	local noise = ARDOUR.LuaAPI.new_plugin(Session, "ACE Noise", ARDOUR.PluginType.Lua, "")
	assert(not noise:isnil(), "ACE Noise not found")
	route:add_processor_by_index(noise, 0, nil, true)
	ARDOUR.LuaAPI.set_processor_param(noise, 0, NOISE_DBFS)

	local spec = PLUGINS[PLUGIN]
	local proc = nil
	if spec then
		proc = ARDOUR.LuaAPI.new_plugin(Session, spec.name, spec.type, "")
		assert(not proc:isnil(), "plugin " .. spec.name .. " not found (was the VST3 scanned?)")
		assert(route:add_processor_by_index(proc, 1, nil, true) == 0, "could not add the plugin")
		local list = param_table(proc)
		report("param_count", #list)
		for _, p in ipairs(list) do
			print(string.format("LQPARAM %d\t%s\t[%g..%g]\t%g", p.n, p.label, p.lower, p.upper, p.value))
		end
		if MODE == "full" then
			local drive = find_param(list, spec.drive[1])
			local ceil = find_param(list, spec.ceiling[1])
			assert(ARDOUR.LuaAPI.set_processor_param(proc, drive.n, spec.drive[2](DRIVE_DB)))
			assert(ARDOUR.LuaAPI.set_processor_param(proc, ceil.n, spec.ceiling[2](CEILING_DB)))
			for label, v in pairs(spec.extra or {}) do
				assert(ARDOUR.LuaAPI.set_processor_param(proc, find_param(list, label).n, v))
			end
			report("drive_index", drive.n)
			report("ceiling_index", ceil.n)

			-- Output Gain ramp: a point every 1/4 s, linear in gain from GAIN_FROM at 0 to GAIN_TO at
			-- RAMP seconds, so the result does not depend on how the host interpolates.
			local ac
			if spec.gain then
				local g = find_param(list, spec.gain[1])
				report("gain_index", g.n)
				ac = plugin_control(proc, g)
			else
				ac = route:gain_control()
			end
			local al = ac:alist()
			local cl = al:list()
			local conv = spec.gain and spec.gain[2] or function(v) return v end
			cl:clear_list()
			local steps = math.floor(RAMP * 4)
			for i = 0, steps do
				local t = RAMP * i / steps
				local gain = GAIN_FROM + (GAIN_TO - GAIN_FROM) * i / steps
				cl:add(Temporal.timepos_t(math.floor(t * RATE)), conv(gain), false, false)
			end
			ac:set_automation_state(ARDOUR.AutoState.Play)
			report("automation_points", al:size())
		end
		Session:request_locate(0, false, ARDOUR.LocateTransportDisposition.MustStop, ARDOUR.TransportRequestSource.TRS_UI)
		sleep(0.5)
		latency_report(route, proc, "")
	end
	report("mode", MODE)
	report("plugin", PLUGIN)

	local ex = export("create")
	assert(Session:save_state("", false, false, false, false, false) == 0, "save_state failed")
	report("saved", SESSION_DIR)
	flush_report("create")
	return { rl, route, noise, proc, ex }
end

local function reload_body()
	local s = load_session(SESSION_DIR, SNAP)
	assert(s, "load_session failed")
	local route = find_bus()
	local spec = PLUGINS[PLUGIN]
	local proc = nil
	if spec then
		proc = find_proc(route, spec.name)
		assert(proc, "plugin missing after reload")
		local list = param_table(proc)
		for _, p in ipairs(list) do
			print(string.format("LQPARAM %d\t%s\t[%g..%g]\t%g", p.n, p.label, p.lower, p.upper, p.value))
		end
		if MODE == "full" then
			report("reload_drive", find_param(list, spec.drive[1]).value)
			report("reload_ceiling", find_param(list, spec.ceiling[1]).value)
			report("expect_drive", spec.drive[2](DRIVE_DB))
			report("expect_ceiling", spec.ceiling[2](CEILING_DB))
			local ac
			if spec.gain then
				ac = plugin_control(proc, find_param(list, spec.gain[1]))
			else
				ac = route:gain_control()
			end
			report("reload_automation_points", ac:alist():size())
			report("reload_automation_state", ac:automation_state())
		end
		latency_report(route, proc, "")
	end
	report("mode", MODE)
	report("plugin", PLUGIN)
	local ex = export("reload")
	flush_report("reload")
	return { route, proc, ex }
end

-- Close the session only after every Lua reference into it is gone. The bodies above keep
-- routes, processors and the SimpleExport (which owns an ExportHandler and with it the export
-- graph's PortExportChannels) in locals; Lua frees those userdata only when the garbage
-- collector runs. Without the collection below they outlive Session:close() and are destroyed
-- when the interpreter shuts down, after the session, its ports and the engine are gone: a
-- use-after-free inside Ardour (~IO -> PortManager::unregister_port, ~PortExportChannel) that
-- glibc reports as "free(): invalid next size" / "double free or corruption". LQ_LEAK_REFS=1
-- keeps the old behaviour (references held to the end) to reproduce it; LQ_LEAK_REFS=export
-- holds only the SimpleExport.
local held = {}
local function close_session_cleanly(body)
	local refs = body()
	local leak = env("LQ_LEAK_REFS", "0")
	if leak == "1" then
		held[#held + 1] = refs
	elseif leak == "export" then -- only the SimpleExport (the last reference returned)
		held[#held + 1] = refs[#refs]
		refs = nil
		collectgarbage("collect")
		collectgarbage("collect")
	else
		refs = nil
		collectgarbage("collect")
		collectgarbage("collect")
	end
	Session:close()
end

local function phase_create() close_session_cleanly(create_body) end
local function phase_reload() close_session_cleanly(reload_body) end

os.execute("mkdir -p '" .. EXPORT_DIR .. "'")
if PHASE == "create" or PHASE == "both" then phase_create() end
if PHASE == "reload" or PHASE == "both" then phase_reload() end
print("LQ done")
