// An error bar on a chart's canvas: a vertical line from `top` to `bottom` (pixels) with caps.
export function drawWhisker(ctx: CanvasRenderingContext2D, x: number, top: number, bottom: number, cap = 4): void {
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x, bottom);
  ctx.moveTo(x - cap, top);
  ctx.lineTo(x + cap, top);
  ctx.moveTo(x - cap, bottom);
  ctx.lineTo(x + cap, bottom);
  ctx.stroke();
}
