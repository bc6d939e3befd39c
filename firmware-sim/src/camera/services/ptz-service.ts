/**
 * PTZ (ver20/ptz) on the generic spaces: moves, stop, status, presets and home, driven into the
 * PtzModel. Velocity 0 on an axis stops it (ONVIF PTZ); SetPreset is refused while moving.
 */
import { type Position, PtzFault } from '../ptz-model.js';
import { child, numberAttr, parseDuration, requiredText, SoapFault, text, type XmlNode, escapeXml as x } from '../soap.js';
import type { CameraContext, OperationHandler } from './context.js';

const SPACE = 'http://www.onvif.org/ver10/tptz';
export const SPACES = {
  absPanTilt: `${SPACE}/PanTiltSpaces/PositionGenericSpace`,
  absZoom: `${SPACE}/ZoomSpaces/PositionGenericSpace`,
  relPanTilt: `${SPACE}/PanTiltSpaces/TranslationGenericSpace`,
  relZoom: `${SPACE}/ZoomSpaces/TranslationGenericSpace`,
  velPanTilt: `${SPACE}/PanTiltSpaces/VelocityGenericSpace`,
  velZoom: `${SPACE}/ZoomSpaces/VelocityGenericSpace`,
  speedPanTilt: `${SPACE}/PanTiltSpaces/GenericSpeedSpace`,
  speedZoom: `${SPACE}/ZoomSpaces/ZoomGenericSpeedSpace`,
} as const;

export const NODE_TOKEN = 'ptz-node';
export const PTZ_CONFIG_TOKEN = 'ptz-config';
const DEFAULT_TIMEOUT = 'PT10S';

const range = (min: number, max: number) => `<tt:Min>${min}</tt:Min><tt:Max>${max}</tt:Max>`;
const space2 = (uri: string, lo: number) =>
  `<tt:URI>${uri}</tt:URI><tt:XRange>${range(lo, 1)}</tt:XRange><tt:YRange>${range(lo, 1)}</tt:YRange>`;
const space1 = (uri: string, lo: number) => `<tt:URI>${uri}</tt:URI><tt:XRange>${range(lo, 1)}</tt:XRange>`;

export function ptzConfigurationXml(tag: string): string {
  // DefaultAbsolutePantTiltPositionSpace: misspelled in onvif.xsd itself; clients expect it so.
  return `<${tag} token="${PTZ_CONFIG_TOKEN}"><tt:Name>PTZ</tt:Name><tt:UseCount>1</tt:UseCount><tt:NodeToken>${NODE_TOKEN}</tt:NodeToken><tt:DefaultAbsolutePantTiltPositionSpace>${SPACES.absPanTilt}</tt:DefaultAbsolutePantTiltPositionSpace><tt:DefaultAbsoluteZoomPositionSpace>${SPACES.absZoom}</tt:DefaultAbsoluteZoomPositionSpace><tt:DefaultRelativePanTiltTranslationSpace>${SPACES.relPanTilt}</tt:DefaultRelativePanTiltTranslationSpace><tt:DefaultRelativeZoomTranslationSpace>${SPACES.relZoom}</tt:DefaultRelativeZoomTranslationSpace><tt:DefaultContinuousPanTiltVelocitySpace>${SPACES.velPanTilt}</tt:DefaultContinuousPanTiltVelocitySpace><tt:DefaultContinuousZoomVelocitySpace>${SPACES.velZoom}</tt:DefaultContinuousZoomVelocitySpace><tt:DefaultPTZSpeed><tt:PanTilt x="1" y="1" space="${SPACES.speedPanTilt}"/><tt:Zoom x="1" space="${SPACES.speedZoom}"/></tt:DefaultPTZSpeed><tt:DefaultPTZTimeout>${DEFAULT_TIMEOUT}</tt:DefaultPTZTimeout><tt:PanTiltLimits><tt:Range>${space2(SPACES.absPanTilt, -1)}</tt:Range></tt:PanTiltLimits><tt:ZoomLimits><tt:Range>${space1(SPACES.absZoom, 0)}</tt:Range></tt:ZoomLimits></${tag}>`;
}

function spacesXml(): string {
  return `<tt:AbsolutePanTiltPositionSpace>${space2(SPACES.absPanTilt, -1)}</tt:AbsolutePanTiltPositionSpace><tt:AbsoluteZoomPositionSpace>${space1(SPACES.absZoom, 0)}</tt:AbsoluteZoomPositionSpace><tt:RelativePanTiltTranslationSpace>${space2(SPACES.relPanTilt, -1)}</tt:RelativePanTiltTranslationSpace><tt:RelativeZoomTranslationSpace>${space1(SPACES.relZoom, -1)}</tt:RelativeZoomTranslationSpace><tt:ContinuousPanTiltVelocitySpace>${space2(SPACES.velPanTilt, -1)}</tt:ContinuousPanTiltVelocitySpace><tt:ContinuousZoomVelocitySpace>${space1(SPACES.velZoom, -1)}</tt:ContinuousZoomVelocitySpace><tt:PanTiltSpeedSpace>${space1(SPACES.speedPanTilt, 0)}</tt:PanTiltSpeedSpace><tt:ZoomSpeedSpace>${space1(SPACES.speedZoom, 0)}</tt:ZoomSpeedSpace>`;
}

function nodeXml(tag: string, maxPresets: number): string {
  return `<${tag} token="${NODE_TOKEN}" FixedHomePosition="false"><tt:Name>PTZ</tt:Name><tt:SupportedPTZSpaces>${spacesXml()}</tt:SupportedPTZSpaces><tt:MaximumNumberOfPresets>${maxPresets}</tt:MaximumNumberOfPresets><tt:HomeSupported>true</tt:HomeSupported></${tag}>`;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

function positionXml(tag: string, p: Position): string {
  return `<${tag}><tt:PanTilt x="${round(p.pan)}" y="${round(p.tilt)}" space="${SPACES.absPanTilt}"/><tt:Zoom x="${round(p.zoom)}" space="${SPACES.absZoom}"/></${tag}>`;
}

function checkProfile(body: XmlNode, ctx: CameraContext): void {
  const token = requiredText(body, 'ProfileToken');
  if (token !== ctx.profileToken) throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], `no profile ${token}`);
}

/** A tt:PTZVector / tt:PTZSpeed element → the axes it names. */
function vector(node: XmlNode | undefined, subcode: string): Partial<Position> {
  const out: Partial<Position> = {};
  const pt = child(node, 'PanTilt');
  const pan = numberAttr(pt, 'x', subcode);
  const tilt = numberAttr(pt, 'y', subcode);
  if (pt !== undefined && (pan === undefined || tilt === undefined))
    throw new SoapFault('Sender', ['ter:InvalidArgVal', subcode], 'PanTilt needs x and y');
  if (pan !== undefined) out.pan = pan;
  if (tilt !== undefined) out.tilt = tilt;
  const zoom = numberAttr(child(node, 'Zoom'), 'x', subcode);
  if (zoom !== undefined) out.zoom = zoom;
  return out;
}

function speed(body: XmlNode): { panTilt?: number; zoom?: number } {
  const s = vector(child(body, 'Speed'), 'ter:InvalidSpeed');
  const out: { panTilt?: number; zoom?: number } = {};
  // The generic speed space is scalar: the larger of x and y is the pan/tilt speed.
  if (s.pan !== undefined || s.tilt !== undefined) out.panTilt = Math.max(Math.abs(s.pan ?? 0), Math.abs(s.tilt ?? 0));
  if (s.zoom !== undefined) out.zoom = s.zoom;
  return out;
}

function flag(body: XmlNode, name: string): boolean | undefined {
  const t = text(body[name]);
  if (t === undefined) return undefined;
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new SoapFault('Sender', ['ter:InvalidArgVal'], `${name} must be a boolean`);
}

/** PtzModel errors → ONVIF faults (PTZ.xml): argument problems are the sender's, MovingPTZ the receiver's. */
function run<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PtzFault) {
      if (e.code === 'MovingPTZ' || e.code === 'TooManyPresets')
        throw new SoapFault('Receiver', ['ter:Action', `ter:${e.code}`], e.message);
      throw new SoapFault('Sender', ['ter:InvalidArgVal', `ter:${e.code}`], e.message);
    }
    throw e;
  }
}

export function ptzOperations(maxPresets: number): Record<string, OperationHandler> {
  return {
    GetNodes: () => `<tptz:GetNodesResponse>${nodeXml('tptz:PTZNode', maxPresets)}</tptz:GetNodesResponse>`,
    GetNode: (body) => {
      if (requiredText(body, 'NodeToken') !== NODE_TOKEN)
        throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoEntity'], 'no such node');
      return `<tptz:GetNodeResponse>${nodeXml('tptz:PTZNode', maxPresets)}</tptz:GetNodeResponse>`;
    },
    GetConfigurations: () =>
      `<tptz:GetConfigurationsResponse>${ptzConfigurationXml('tptz:PTZConfiguration')}</tptz:GetConfigurationsResponse>`,
    GetConfiguration: (body) => {
      if (requiredText(body, 'PTZConfigurationToken') !== PTZ_CONFIG_TOKEN)
        throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:NoConfig'], 'no such configuration');
      return `<tptz:GetConfigurationResponse>${ptzConfigurationXml('tptz:PTZConfiguration')}</tptz:GetConfigurationResponse>`;
    },
    GetConfigurationOptions: () =>
      `<tptz:GetConfigurationOptionsResponse><tptz:PTZConfigurationOptions><tt:Spaces>${spacesXml()}</tt:Spaces><tt:PTZTimeout><tt:Min>PT0.5S</tt:Min><tt:Max>PT60S</tt:Max></tt:PTZTimeout></tptz:PTZConfigurationOptions></tptz:GetConfigurationOptionsResponse>`,
    ContinuousMove: (body, ctx) => {
      checkProfile(body, ctx);
      const velocity = child(body, 'Velocity');
      if (velocity === undefined) throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:InvalidVelocity'], 'missing Velocity');
      const v = vector(velocity, 'ter:InvalidVelocity');
      const timeoutText = text(body.Timeout);
      const timeoutMs = timeoutText === undefined ? undefined : parseDuration(timeoutText);
      if (timeoutText !== undefined && (timeoutMs === undefined || timeoutMs <= 0)) {
        throw new SoapFault('Sender', ['ter:InvalidArgVal', 'ter:InvalidVelocity'], `bad Timeout ${timeoutText}`);
      }
      run(() => ctx.ptz.continuousMove(v, timeoutMs));
      return '<tptz:ContinuousMoveResponse/>';
    },
    AbsoluteMove: (body, ctx) => {
      checkProfile(body, ctx);
      const p = vector(child(body, 'Position'), 'ter:InvalidPosition');
      run(() => ctx.ptz.absoluteMove(p, speed(body)));
      return '<tptz:AbsoluteMoveResponse/>';
    },
    RelativeMove: (body, ctx) => {
      checkProfile(body, ctx);
      const d = vector(child(body, 'Translation'), 'ter:InvalidTranslation');
      run(() => ctx.ptz.relativeMove(d, speed(body)));
      return '<tptz:RelativeMoveResponse/>';
    },
    Stop: (body, ctx) => {
      checkProfile(body, ctx);
      if (ctx.refusesStop) throw new SoapFault('Receiver', ['ter:ActionNotSupported'], 'Stop is not supported by this camera');
      const panTilt = flag(body, 'PanTilt');
      const zoom = flag(body, 'Zoom');
      run(() => ctx.ptz.stop({ ...(panTilt === undefined ? {} : { panTilt }), ...(zoom === undefined ? {} : { zoom }) }));
      return '<tptz:StopResponse/>';
    },
    GetStatus: (body, ctx) => {
      checkProfile(body, ctx);
      const s = ctx.ptz.moveStatus();
      return `<tptz:GetStatusResponse><tptz:PTZStatus>${positionXml('tt:Position', ctx.ptz.position())}<tt:MoveStatus><tt:PanTilt>${s.panTilt}</tt:PanTilt><tt:Zoom>${s.zoom}</tt:Zoom></tt:MoveStatus><tt:UtcTime>${new Date(ctx.cameraNow()).toISOString()}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`;
    },
    GetPresets: (body, ctx) => {
      checkProfile(body, ctx);
      return `<tptz:GetPresetsResponse>${ctx.ptz
        .listPresets()
        .map(
          (p) =>
            `<tptz:Preset token="${x(p.token)}"><tt:Name>${x(p.name)}</tt:Name>${positionXml('tt:PTZPosition', p.position)}</tptz:Preset>`,
        )
        .join('')}</tptz:GetPresetsResponse>`;
    },
    SetPreset: (body, ctx) => {
      checkProfile(body, ctx);
      const token = run(() => ctx.ptz.setPreset(text(body.PresetName), text(body.PresetToken)));
      return `<tptz:SetPresetResponse><tptz:PresetToken>${x(token)}</tptz:PresetToken></tptz:SetPresetResponse>`;
    },
    GotoPreset: (body, ctx) => {
      checkProfile(body, ctx);
      const token = requiredText(body, 'PresetToken');
      run(() => ctx.ptz.gotoPreset(token, speed(body)));
      return '<tptz:GotoPresetResponse/>';
    },
    RemovePreset: (body, ctx) => {
      checkProfile(body, ctx);
      const token = requiredText(body, 'PresetToken');
      run(() => ctx.ptz.removePreset(token));
      return '<tptz:RemovePresetResponse/>';
    },
    GotoHomePosition: (body, ctx) => {
      checkProfile(body, ctx);
      run(() => ctx.ptz.gotoHome(speed(body)));
      return '<tptz:GotoHomePositionResponse/>';
    },
    SetHomePosition: (body, ctx) => {
      checkProfile(body, ctx);
      run(() => ctx.ptz.setHome());
      return '<tptz:SetHomePositionResponse/>';
    },
  };
}
