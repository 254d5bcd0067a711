// The report's inline script, no libraries: opens the anomaly a link names, scrolls a focused
// timeline to the op that cannot be linearized when its card opens, highlights an op in the
// diagram and the table together, and steps through the linearized prefix one op at a time.

/** Opening anomalies from links, hover highlighting, and wiring the parts below. */
const OPEN_JS = `
  function openFromHash(){
    var id=decodeURIComponent(location.hash.slice(1));
    if(!id) return;
    var el=document.getElementById(id);
    if(!el) return;
    if(el.tagName==='DETAILS'){
      el.open=true;
      el.classList.remove('flash'); void el.offsetWidth; el.classList.add('flash');
    }
    el.scrollIntoView({block:'start'});
  }
  window.addEventListener('hashchange',openFromHash);
  document.addEventListener('click',function(e){
    var a=e.target&&e.target.closest?e.target.closest('a[href^="#"]'):null;
    if(a&&a.getAttribute('href')===location.hash){setTimeout(openFromHash,0);}
  });
  // Hovering a bar or a table row highlights the same op in both.
  function mark(e,on){
    var t=e.target&&e.target.closest?e.target.closest('[data-index]'):null;
    var box=t&&t.closest('details.anomaly');
    if(!box) return;
    var els=box.querySelectorAll('g.opbar[data-index="'+t.getAttribute('data-index')+'"], tr[data-index="'+t.getAttribute('data-index')+'"]');
    for(var i=0;i<els.length;i++) els[i].classList.toggle('hl',on);
  }
  document.addEventListener('mouseover',function(e){mark(e,true);});
  document.addEventListener('mouseout',function(e){mark(e,false);});
  // toggle does not bubble: listen while it is captured on its way to the <details>.
  document.addEventListener('toggle',function(e){
    var d=e.target;
    if(d&&d.tagName==='DETAILS'&&d.open&&d.classList.contains('anomaly')) showFailing(d);
  },true);
`;

/** Horizontal scrolling of a focused timeline (never the page's vertical scroll). */
const SCROLL_JS = `
  function centre(wrap,el){
    var r=(el.querySelector('.opbar-rect')||el).getBoundingClientRect();
    var w=wrap.getBoundingClientRect();
    if(!w.width) return;
    wrap.scrollLeft+=(r.left+r.width/2)-(w.left+w.width/2);
  }
  function reveal(wrap,el){
    var r=(el.querySelector('.opbar-rect')||el).getBoundingClientRect();
    var w=wrap.getBoundingClientRect();
    if(r.left<w.left||r.right+16>w.right) centre(wrap,el);
  }
  // The op that cannot be linearized (else the first op the anomaly names), centred in view.
  function showFailing(box){
    var wrap=box.querySelector('.focus-wrap');
    var el=wrap&&(wrap.querySelector('g.opbar[data-failing]')||wrap.querySelector('g.opbar[data-involved]'));
    if(el) centre(wrap,el);
  }
`;

/** The step-through of the linearized prefix: step k marks prefix ops 1..k, the last step the ✗ op. */
const STEP_JS = `
  function prefixOps(box){
    var ops=[].slice.call(box.querySelectorAll('g.opbar[data-prefix-rank]'));
    ops.sort(function(a,b){return a.getAttribute('data-prefix-rank')-b.getAttribute('data-prefix-rank');});
    return ops;
  }
  function setStep(box,k){
    var st=box.querySelector('.stepper');
    if(!st) return;
    var order=prefixOps(box), failing=box.querySelector('g.opbar[data-failing]');
    var n=order.length+(failing?1:0);
    k=Math.max(0,Math.min(n,k));
    st.setAttribute('data-step',String(k));
    var view=box.querySelector('.focus-view');
    view.classList.toggle('stepping',k>0);
    var bars=box.querySelectorAll('g.opbar'), current=null;
    for(var i=0;i<bars.length;i++){
      var b=bars[i], pos=order.indexOf(b);
      var done=k>0&&pos>=0&&pos<k;
      var cur=k>0&&(pos===k-1||(b===failing&&k===n));
      b.classList.toggle('lin-done',done);
      b.classList.toggle('lin-current',cur);
      // At the last step the ops concurrent with the failing one stay undimmed, beside it.
      b.classList.toggle('lin-later',k>0&&!done&&!cur&&!(k===n&&failing&&b.classList.contains('op-concurrent')));
      if(done) b.setAttribute('data-linearized','true'); else b.removeAttribute('data-linearized');
      if(cur) current=b;
    }
    var segs=box.querySelectorAll('.prefix-seg');
    for(var j=0;j<segs.length;j++){
      var to=order.indexOf(box.querySelector('g.opbar[data-prefix-rank="'+segs[j].getAttribute('data-rank')+'"]'));
      segs[j].classList.toggle('lin-later',k>0&&to>=k);
    }
    st.querySelector('.step-count').textContent=k===0?'all '+n+' steps shown':'step '+k+' of '+n;
    var text=st.querySelector('.step-text');
    text.classList.toggle('step-fail',k>0&&current===failing);
    text.textContent=k===0?st.getAttribute('data-hint'):current===failing?st.getAttribute('data-fail-text'):stepSentence(st,current,k,order.length);
    var rows=box.querySelectorAll('table.ops tr[data-index]');
    for(var r=0;r<rows.length;r++) rows[r].classList.toggle('step-row',!!current&&rows[r].getAttribute('data-index')===current.getAttribute('data-index'));
    st.querySelector('.step-prev').disabled=k===1||n===0;
    st.querySelector('.step-next').disabled=k===n;
    st.querySelector('.step-all').disabled=k===0;
    var wrap=box.querySelector('.focus-wrap');
    if(current&&wrap) reveal(wrap,current);
  }
  function stepSentence(st,b,k,drawn){
    var omitted=+(st.getAttribute('data-prefix-omitted')||0);
    return '#'+b.getAttribute('data-index')+' '+b.getAttribute('data-label')+' on p'+b.getAttribute('data-process')+
      ' is linearized: position '+(omitted+k)+' of '+(omitted+drawn)+' in the prefix'+(omitted?' (the first '+omitted+' are not drawn)':'')+'.';
  }
  function stepBy(box,how){
    var st=box.querySelector('.stepper');
    var k=+(st.getAttribute('data-step')||0);
    var n=prefixOps(box).length+(box.querySelector('g.opbar[data-failing]')?1:0);
    setStep(box,how==='all'?0:how==='next'?k+1:k===0?n:k-1);
  }
  document.addEventListener('click',function(e){
    var btn=e.target&&e.target.closest?e.target.closest('.stepper button'):null;
    var box=btn&&btn.closest('details.anomaly');
    if(!box) return;
    stepBy(box,btn.classList.contains('step-next')?'next':btn.classList.contains('step-prev')?'prev':'all');
  });
  document.addEventListener('keydown',function(e){
    var st=document.activeElement&&document.activeElement.closest?document.activeElement.closest('.stepper'):null;
    var box=st&&st.closest('details.anomaly');
    if(!box||(e.key!=='ArrowRight'&&e.key!=='ArrowLeft')) return;
    e.preventDefault();
    stepBy(box,e.key==='ArrowRight'?'next':'prev');
  });
  var steppers=document.querySelectorAll('details.anomaly .stepper');
  for(var s=0;s<steppers.length;s++){ steppers[s].hidden=false; setStep(steppers[s].closest('details.anomaly'),0); }
`;

export const PAGE_JS = `
(function(){
${SCROLL_JS}${STEP_JS}${OPEN_JS}
  var opened=document.querySelectorAll('details.anomaly[open]');
  for(var o=0;o<opened.length;o++) showFailing(opened[o]);
  openFromHash();
})();
`;
